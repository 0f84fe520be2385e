-- Notes the app's Worker writes through its DB binding (src/d1.ts).
CREATE TABLE notes (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  body  TEXT NOT NULL
);

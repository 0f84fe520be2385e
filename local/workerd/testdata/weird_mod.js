export const suffix = "|from second module";

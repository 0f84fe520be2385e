document.getElementById("hello").addEventListener("click", async () => {
  const res = await fetch("/assets/hello");
  document.getElementById("out").textContent = `${res.status} ${await res.text()}`;
});

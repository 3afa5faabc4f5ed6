// Boot: the checker (sendgate's Wasm) loads with the app module; until then the header says so,
// and if it cannot load, the page says why instead of staying silent.
const boot = document.getElementById("boot")!;

import("./app")
  .then(({ start }) => {
    start();
    boot.textContent = "";
    document.body.dataset.ready = "true";
  })
  .catch((err: unknown) => {
    boot.textContent = "";
    const box = document.createElement("div");
    box.className = "error boot-error";
    box.setAttribute("role", "alert");
    box.textContent = `The checker could not load in this browser: ${err instanceof Error ? err.message : String(err)}`;
    document.querySelector("main")?.prepend(box);
  });

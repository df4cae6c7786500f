// Live preview on the check page: how each line is read, as you type. The page works without it.
"use strict";
(function () {
  const text = document.getElementById("text");
  const preview = document.getElementById("preview");
  if (!text || !preview || !window.fetch) return;
  let timer = null;
  let sent = 0;
  async function update() {
    const ticket = ++sent;
    try {
      const response = await fetch("/api/preview", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text.value }),
      });
      const data = await response.json();
      if (ticket !== sent) return; // a newer request is on its way
      if (response.ok) {
        preview.innerHTML = data.html; // rendered and escaped by the server's template
      } else {
        preview.textContent = data.error || "";
      }
    } catch (error) {
      // offline or the server is gone: the form still posts
    }
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  if (text.value.trim()) update();
})();

// Picking people for a conversation: a ticked search result moves into the chosen list,
// and the chosen list announces the change so the per-person fields refresh.
document.addEventListener("change", (event) => {
  const box = event.target;
  const results = document.getElementById("picker-results");
  const chosen = document.getElementById("chosen");
  if (!results || !chosen || !results.contains(box) || !box.checked) return;
  const already = chosen.querySelector(`input[value="${box.value}"]`);
  if (already) {
    already.checked = true;
    box.closest("label").remove();
  } else {
    chosen.appendChild(box.closest("label"));
  }
  const search = document.getElementById("person-search");
  if (search) search.value = "";
  results.replaceChildren();
  chosen.dispatchEvent(new Event("change", { bubbles: true }));
});

// The concentrate board: drag an idea onto a theme (or back to unsorted). Ticking boxes and
// the buttons do the same without a mouse.
document.addEventListener("dragstart", (event) => {
  const entry = event.target.closest && event.target.closest("[data-entry]");
  if (entry) event.dataTransfer.setData("text/plain", entry.dataset.entry);
});
document.addEventListener("dragover", (event) => {
  if (event.target.closest && event.target.closest(".dropzone")) event.preventDefault();
});
document.addEventListener("drop", (event) => {
  const zone = event.target.closest && event.target.closest(".dropzone");
  const board = document.getElementById("board");
  const entry = event.dataTransfer.getData("text/plain");
  if (!zone || !board || !entry) return;
  event.preventDefault();
  const token = board.querySelector("input[name=csrfmiddlewaretoken]").value;
  htmx.ajax("POST", board.dataset.placeUrl, {
    target: "#board",
    values: { op: "place", entry: entry, theme: zone.dataset.theme },
    headers: { "X-CSRFToken": token },
  });
});

// On massline's ordinary pages: install the field app's service worker (so the app opens
// without a signal) and show how many field records wait for a signal, when there are any.
// Only counts are read here; the records themselves stay encrypted.
const script = document.currentScript;

if ("serviceWorker" in navigator && script?.dataset.sw) {
  navigator.serviceWorker.register(script.dataset.sw, { scope: script.dataset.scope }).catch(() => {});
}

async function unsynced() {
  if (!indexedDB.databases) return 0;
  const known = await indexedDB.databases();
  if (!known.some((entry) => entry.name === "massline-field")) return 0;
  return new Promise((resolve) => {
    const request = indexedDB.open("massline-field");
    request.onerror = () => resolve(0);
    request.onsuccess = () => {
      const database = request.result;
      database.onversionchange = () => database.close();
      if (!database.objectStoreNames.contains("outbox")) {
        database.close();
        resolve(0);
        return;
      }
      const all = database.transaction("outbox").objectStore("outbox").getAll();
      all.onsuccess = () => {
        database.close();
        resolve(all.result.filter((row) => row.state !== "synced").length);
      };
      all.onerror = () => {
        database.close();
        resolve(0);
      };
    };
  });
}

unsynced().then((count) => {
  const badge = document.getElementById("field-unsynced");
  if (!badge || !count) return;
  badge.querySelector("[data-count]").textContent = String(count);
  badge.hidden = false;
});

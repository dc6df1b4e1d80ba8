// The field app's service worker. Workbox precaches the static files and the app shell (the
// list is given to it by the Django view that serves this file); nothing else is cached, so
// person pages and the list never land in Cache Storage.
import { clientsClaim } from "workbox-core";
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  getCacheKeyForURL,
  precacheAndRoute,
} from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";

const manifest = self.__WB_MANIFEST;
self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(manifest);

// Opening the app (any #route) offline serves the cached shell.
const shell = new URL("app/", self.registration.scope).pathname;
if (getCacheKeyForURL(shell)) {
  registerRoute(
    new NavigationRoute(createHandlerBoundToURL(shell), {
      allowlist: [new RegExp(`^${shell.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)],
    }),
  );
}

// Bundles the field app with esbuild into massline/static/field/build/ (deterministic: the
// same sources and lockfile give the same bytes). Run by `make install`.
import { build } from "esbuild";

await build({
  entryPoints: { app: "src/app.js", sw: "src/sw.js", register: "src/register.js" },
  outdir: "../../massline/static/field/build",
  bundle: true,
  format: "iife",
  target: ["chrome100", "safari15", "firefox100"],
  minify: true,
  legalComments: "linked",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});

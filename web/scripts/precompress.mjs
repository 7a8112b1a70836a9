// Writes a .gz beside every text asset of the build, at the highest level, so nginx serves it
// as it is (gzip_static) instead of compressing on each request at its own low level.
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { constants, gzipSync } from "node:zlib";

const COMPRESSIBLE = /\.(js|mjs|css|svg|html|json|txt)$/;

function* files(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

for (const path of files("dist")) {
  if (!COMPRESSIBLE.test(path)) continue;
  const source = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(source, { level: constants.Z_BEST_COMPRESSION }));
  // nginx dates its answer (Last-Modified) by the file it sends: the source's own time.
  const { atime, mtime } = statSync(path);
  utimesSync(`${path}.gz`, atime, mtime);
}

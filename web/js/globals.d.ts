// MapLibre GL JS is loaded as a classic script (/vendor/maplibre-gl/maplibre-gl.js) and
// exposes one global; its types come from the same npm package.
import type * as maplibre from 'maplibre-gl';

declare global {
  interface Window {
    maplibregl: typeof maplibre;
  }
}
export {};

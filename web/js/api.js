// @ts-check
// The observatory's JSON API, as the atlas reads it (/api/openapi.json describes it).

/** @typedef {{nl: string, fr: string, en: string}} Label */
/**
 * @typedef {object} Indicator
 * @property {string} id
 * @property {Label} name
 * @property {Label} definition
 * @property {string} unit
 * @property {boolean} per_category
 * @property {string[]} categories
 * @property {number[]} years
 * @property {string} sources
 * @property {string} reference
 * @property {string} licence
 * @property {string} method
 */
/**
 * @typedef {object} IndicatorValue
 * @property {string} commune
 * @property {string} name
 * @property {string | null} name_nl
 * @property {string | null} name_fr
 * @property {number | null} value
 * @property {string | null} no_data
 */
/**
 * @typedef {object} IndicatorValues
 * @property {string} indicator
 * @property {string | null} category
 * @property {number | null} year
 * @property {string | null} region the region asked for; null for every region
 * @property {number} count
 * @property {number} no_data
 * @property {number | null} min
 * @property {number | null} max
 * @property {number | null} median
 * @property {IndicatorValue[]} values
 */
/**
 * @typedef {object} Region
 * @property {string} id
 * @property {Label} name
 * @property {[number, number, number, number] | null} bbox west, south, east, north
 * @property {[number, number, number, number] | null} view the box a map opens on
 * @property {number} communes
 */
/** @typedef {{id: string, label: Label, everyday_basket: boolean}} Category */
/** @typedef {{id: string, label: Label, categories: Category[]}} Group */
/** @typedef {{id: string, title: string, publisher: string, licence: string, reference_date: string | null}} Source */
/**
 * @typedef {object} CommuneMatch
 * @property {string} id
 * @property {string} country
 * @property {string} code
 * @property {string} name
 * @property {string | null} name_nl
 * @property {string | null} name_fr
 * @property {string | null} region
 * @property {[number, number, number, number]} bbox
 */
/**
 * @typedef {object} ProfileIndicator
 * @property {string} indicator
 * @property {string | null} category
 * @property {number | null} value
 * @property {string | null} no_data
 * @property {number | null} arrondissement_mean
 * @property {number | null} intercommunality_mean
 * @property {number | null} country_mean
 * @property {number | null} region_mean
 * @property {number | null} rank
 * @property {number} ranked
 */
/**
 * @typedef {object} ProfileNearest
 * @property {string} category
 * @property {'any' | 'national'} scope
 * @property {number} distance_m
 * @property {{id: number, name: string | null, country: string, commune: string | null}} service
 */
/**
 * @typedef {object} Profile
 * @property {string} id
 * @property {string} country
 * @property {string} code
 * @property {string} name
 * @property {string | null} name_nl
 * @property {string | null} name_fr
 * @property {{code: string | null, nl: string | null, fr: string | null}} arrondissement
 * @property {{code: string, name: string} | null} intercommunality
 * @property {number | null} population
 * @property {number | null} population_year
 * @property {number | null} area_km2
 * @property {[number, number, number, number]} bbox
 * @property {{year: number, population: number}[]} population_series
 * @property {{category: string, date: string, form: 'points' | 'counts', count: number}[]} services_series
 * @property {ProfileIndicator[]} indicators
 * @property {ProfileNearest[]} nearest
 */

/** An answer other than 2xx, with the message the server gave. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @template T
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<T>}
 */
async function getJson(path, signal) {
  const response = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      const body = await response.json();
      if (body && typeof body.error === 'string') message = body.error;
    } catch {
      // not JSON: keep the status
    }
    throw new ApiError(response.status, message);
  }
  return response.json();
}

/** @returns {Promise<Indicator[]>} */
export const indicators = () => getJson('/api/indicators');

/** Every loaded region, the first loaded (the default) first.
 * @returns {Promise<Region[]>} */
export const regions = () => getJson('/api/regions');

/**
 * @param {string} id
 * @param {string | null} category
 * @param {number | null} year
 * @param {string | null} region the communes of this region only; every region when null
 * @returns {Promise<IndicatorValues>}
 */
export function indicatorValues(id, category, year, region) {
  const params = new URLSearchParams();
  if (category) params.set('category', category);
  if (year) params.set('year', String(year));
  if (region) params.set('region', region);
  const query = params.toString();
  return getJson(`/api/indicators/${encodeURIComponent(id)}${query ? `?${query}` : ''}`);
}

/** @returns {Promise<{groups: Group[]}>} */
export const categories = () => getJson('/api/categories');

/** @returns {Promise<Source[]>} */
export const sources = () => getJson('/api/sources');

/**
 * @param {string} q
 * @param {AbortSignal} [signal]
 * @param {string | null} [region] the communes of this region only
 * @returns {Promise<CommuneMatch[]>}
 */
export function searchCommunes(q, signal, region = null) {
  const params = new URLSearchParams({ q, limit: '8' });
  if (region) params.set('region', region);
  return getJson(`/api/communes?${params}`, signal);
}

/** @param {string} id @param {AbortSignal} [signal] @returns {Promise<Profile>} */
export const profile = (id, signal) => getJson(`/api/communes/${encodeURIComponent(id)}`, signal);

/** The installation's settings (web/config.json): `basemapStyle`, the URL of a MapLibre
 * style drawn beneath the observatory's layers, or null for none (the default). */
export async function config() {
  try {
    const response = await fetch('/config.json');
    if (!response.ok) return {};
    const body = await response.json();
    return body && typeof body === 'object' ? /** @type {{basemapStyle?: string | null}} */ (body) : {};
  } catch {
    return {};
  }
}

/** Download links of one region's data, with the exports' own filters. */
export function regionExports(/** @type {string} */ region) {
  const q = `region=${encodeURIComponent(region)}`;
  return {
    communesCsv: `/exports/communes.csv?${q}`,
    communesGeojson: `/exports/communes.geojson?${q}`,
    servicesCsv: `/exports/services.csv?${q}`,
    servicesGeojson: `/exports/services.geojson?${q}`,
  };
}

/** Download links of one commune's data, with the exports' own filters. */
export function communeExports(/** @type {string} */ id) {
  const q = `commune=${encodeURIComponent(id)}`;
  return {
    communeCsv: `/exports/communes.csv?${q}`,
    communeGeojson: `/exports/communes.geojson?${q}`,
    servicesCsv: `/exports/services.csv?${q}`,
    servicesGeojson: `/exports/services.geojson?${q}`,
  };
}

// Talking to the gateway from the occupancy page: the page kit's client for occupancy.read (page-kit/client.js),
// and the listings it reads page by page.
import { apiClient } from '../page-kit/client.js';

export { PageError } from '../page-kit/client.js';

export const { signIn, signOut, apiGet, apiJson, download, currentClientId } = apiClient({
  scope: 'occupancy.read',
  messages: {
    400: 'La demande a été refusée.',
    403: 'Ce client API n’a pas le droit de lire l’occupation des salles.',
    404: 'Établissement introuvable, ou hors du périmètre de ce client API.',
  },
});

/** Every page of a listing, following `next` (an absolute URL on the gateway's public address). */
export async function allPages(path, maxPages = 50) {
  const records = [];
  let next = path;
  for (let page = 0; next && page < maxPages; page += 1) {
    const body = await apiJson(next);
    records.push(...body.data);
    next = body.next ? samePlace(body.next) : null;
  }
  return records;
}

/** The page and the API may be reached by different names (a proxy): keep the path, drop the origin. */
function samePlace(absolute) {
  const url = new URL(absolute, document.baseURI);
  if (url.origin === location.origin) return url.href;
  return `${location.origin}${url.pathname}${url.search}`;
}

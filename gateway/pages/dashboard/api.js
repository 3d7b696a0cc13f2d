// Talking to the gateway from the dashboard: the page kit's client for aggregates.read (page-kit/client.js).
import { apiClient } from '../page-kit/client.js';

export { PageError } from '../page-kit/client.js';

export const { signIn, useToken, signOut, apiGet, apiJson, download, currentClientId } = apiClient({
  scope: 'aggregates.read',
  messages: {
    400: 'La demande a été refusée : vérifiez le code du territoire.',
    403: 'Ce client API n’a pas le droit de lire les agrégats.',
    404: 'Territoire hors de votre périmètre ou inconnu.',
  },
});

// The sign-in form the gateway's pages share (#form-connexion with #client-id and #client-secret): both asked
// for, the secret never kept in the form once used, and the way back to it when the token is no longer good.
import { PageError } from './client.js';

const $ = (id) => document.getElementById(id);

/**
 * Wires the form: `signIn(id, secret)` with what it holds, then `signedIn()` (its work still shown as busy).
 * `status` is the page's status area (status.js).
 */
export function wireSignIn({ signIn, status, signedIn }) {
  $('form-connexion').addEventListener('submit', async (event) => {
    event.preventDefault();
    const clientId = $('client-id').value.trim();
    const clientSecret = $('client-secret').value;
    if (!clientId || !clientSecret) {
      status.fail(new PageError('Saisissez l’identifiant et le secret du client API.'));
      $(clientId ? 'client-secret' : 'client-id').focus();
      return;
    }
    await status.busy(event.currentTarget, async () => {
      status.say('Connexion en cours…');
      await signIn(clientId, clientSecret);
      $('client-secret').value = '';
      await signedIn();
    });
  });
}

/** Back to the sign-in form: `signOut()`, the page's other sections (`#choix`, `#resultats`) hidden. */
export function showSignInForm(signOut) {
  signOut();
  $('connexion').hidden = false;
  $('choix').hidden = true;
  $('resultats').hidden = true;
  $('client-secret').value = '';
  $('client-id').focus();
}

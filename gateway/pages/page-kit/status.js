// Where a page says what it is doing and what went wrong: the live regions #statut and #erreur, and forms kept
// from being sent twice while their work runs.
import { PageError } from './client.js';
import { el } from './dom.js';

const $ = (id) => document.getElementById(id);

/** `onSignedOut` runs when a failure says the token is no longer good (the page shows its sign-in form). */
export function statusArea({ onSignedOut }) {
  function say(text) {
    $('erreur').replaceChildren();
    $('statut').textContent = text;
  }

  function fail(error) {
    const pageError = error instanceof PageError ? error : new PageError('Une erreur inattendue est survenue dans la page.', { detail: String(error) });
    $('statut').textContent = '';
    $('erreur').replaceChildren(
      el('p', {}, pageError.message),
      pageError.detail ? el('p', { class: 'detail' }, 'Détail technique : ', el('span', { lang: 'en' }, pageError.detail)) : null,
    );
    if (pageError.signedOut) onSignedOut();
  }

  /** Runs `work` with the form's buttons disabled and the form marked busy; a failure is shown, never thrown. */
  async function busy(form, work) {
    const buttons = [...form.querySelectorAll('button')];
    form.setAttribute('aria-busy', 'true');
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await work();
    } catch (error) {
      fail(error);
    } finally {
      form.removeAttribute('aria-busy');
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  return { say, fail, busy };
}

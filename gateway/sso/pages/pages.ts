// The pages a person sees while signing in through the gateway: choosing an identity provider, choosing a
// profile, the SAML POST binding, the errors, and oidc-provider's logout and error pages. Pure renderers: each
// returns the status and the HTML; routes send them with sendPage (send-page.ts), which sets their CSP.
import { escapeHtml, isSafeTarget, layout, safeTarget } from './html.js';

export interface Page {
  readonly status: number;
  readonly html: string;
}

export interface ProviderLink {
  /** What the person recognises, such as "ÉduConnect" or "Académie de Lyon — personnels". */
  readonly name: string;
  /** A GET link that starts the login with that provider. */
  readonly href: string;
}

/** The service's name as a phrase, in guillemets held to it by no-break spaces, or a neutral wording when unknown. */
const serviceOrDefault = (serviceName: string | undefined) => (serviceName ? `« ${serviceName} »` : 'le service');

const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;

/**
 * The identity providers to choose from. With none, the no-provider error page.
 * Throws a TypeError if a provider's href is neither a path nor an http(s) URL.
 */
export function loginPage({ serviceName, providers }: { serviceName: string; providers: readonly ProviderLink[] }): Page {
  if (providers.length === 0) return errorPage('no-provider', { serviceName });
  const links = providers
    .map(({ name, href }) => `<li><a class="button" href="${escapeHtml(safeTarget(href, 'a provider link'))}">${escapeHtml(name)}</a></li>`)
    .join('\n');
  return {
    status: 200,
    html: layout({
      title: `Se connecter à ${serviceName}`,
      body: [
        paragraph('Choisissez le compte avec lequel vous vous connectez. Vous passerez par sa page de connexion, puis vous reviendrez au service.'),
        `<ul class="providers">\n${links}\n</ul>`,
        `<p class="hint">${escapeHtml('Si vous ne savez pas lequel choisir, demandez à votre établissement.')}</p>`,
      ].join('\n'),
    }),
  };
}

export interface PersonChoice {
  /** What the form posts; the login flow's own state (kept server-side) gives it a meaning. */
  readonly value: string;
  /** Such as "Enseignant — Collège Jean Moulin (0691234S)". */
  readonly label: string;
  /** A second line, such as the establishment's town; empty for none. */
  readonly detail: string;
}

/** The person's profiles (roles, places) as radio buttons, none preselected, posted to `action`. */
export function choosePersonPage({ serviceName, action, choices, fieldName }: {
  serviceName: string; action: string; choices: readonly PersonChoice[]; fieldName: string;
}): Page {
  const radios = choices.map(({ value, label, detail }, index) => {
    const id = `choix-${index + 1}`;
    const second = detail ? ` <span class="choice-detail">${escapeHtml(detail)}</span>` : '';
    return `<div class="choice">
<input type="radio" id="${id}" name="${escapeHtml(fieldName)}" value="${escapeHtml(value)}" required>
<label for="${id}"><span class="choice-label">${escapeHtml(label)}</span>${second}</label>
</div>`;
  }).join('\n');
  return {
    status: 200,
    html: layout({
      title: 'Choisir votre profil',
      body: `${paragraph(`Votre compte correspond à plusieurs profils. Choisissez celui avec lequel vous utilisez ${serviceOrDefault(serviceName)}.`)}
<form method="post" action="${escapeHtml(safeTarget(action, 'the form action'))}">
<fieldset>
<legend>Votre profil</legend>
${radios}
</fieldset>
<button type="submit" class="button">Continuer</button>
</form>`,
    }),
  };
}

/** What can stop a login, as the person is told it. */
export type SsoErrorKind =
  | 'unknown-person' | 'ambiguous-person' | 'upstream-refused' | 'upstream-invalid' | 'upstream-unavailable'
  | 'expired' | 'not-for-this-service' | 'staff-only' | 'no-provider' | 'internal';

interface ErrorText {
  readonly status: number;
  readonly title: string;
  readonly explanation: readonly string[];
}

const CONTACT_SECRETARIAT = 'Contactez le secrétariat de votre établissement : il vérifiera vos informations dans ses fichiers.';

const ERRORS: Readonly<Record<SsoErrorKind, ErrorText>> = {
  'unknown-person': {
    status: 403,
    title: 'Votre compte n\u2019est relié à aucune fiche de l\u2019établissement',
    explanation: [
      'Vous vous êtes bien identifié, mais aucune fiche des fichiers de l\u2019établissement ne correspond à ce compte. Par sécurité, la connexion s\u2019arrête là.',
      CONTACT_SECRETARIAT,
    ],
  },
  'ambiguous-person': {
    status: 403,
    title: 'Votre compte correspond à plusieurs personnes',
    explanation: [
      'Vous vous êtes bien identifié, mais plusieurs fiches des fichiers de l\u2019établissement correspondent à ce compte sans qu\u2019on puisse savoir laquelle est la vôtre. Par sécurité, aucune n\u2019est choisie à votre place.',
      CONTACT_SECRETARIAT,
    ],
  },
  'upstream-refused': {
    status: 403,
    title: 'La connexion a été annulée',
    explanation: ['La connexion a été annulée ou refusée sur la page d\u2019identification. Vous pouvez recommencer.'],
  },
  'upstream-invalid': {
    status: 502,
    title: 'La réponse du service d\u2019identification n\u2019a pas pu être vérifiée',
    explanation: [
      'Par sécurité, une réponse qui ne peut pas être vérifiée n\u2019est pas acceptée. Recommencez ; si le problème continue, signalez-le à l\u2019assistance de votre établissement.',
    ],
  },
  'upstream-unavailable': {
    status: 503,
    title: 'Le service d\u2019identification ne répond pas',
    explanation: ['Le service d\u2019identification est momentanément injoignable. Réessayez dans quelques minutes.'],
  },
  expired: {
    status: 400,
    title: 'Cette connexion a expiré',
    explanation: [
      'La connexion a pris trop de temps, ou ce lien a déjà servi. Retournez sur le service que vous vouliez utiliser et connectez-vous de nouveau.',
    ],
  },
  'not-for-this-service': {
    status: 403,
    title: 'Ce service n\u2019est pas ouvert à votre établissement',
    explanation: [
      'Vous vous êtes bien identifié, mais ce service n\u2019est pas proposé à votre établissement. Si vous pensez que c\u2019est une erreur, parlez-en à votre établissement.',
    ],
  },
  'staff-only': {
    status: 403,
    title: 'Ce service est réservé aux personnels',
    explanation: [
      'Vous vous êtes bien identifié, mais ce service est réservé aux personnels des établissements et de l\u2019académie : il n\u2019est ouvert ni aux élèves ni aux parents.',
      'Si vous êtes un personnel, recommencez en choisissant votre compte académique.',
    ],
  },
  'no-provider': {
    status: 503,
    title: 'La connexion n\u2019est pas disponible',
    explanation: ['Aucun moyen de connexion n\u2019est configuré pour le moment. Signalez-le à l\u2019assistance de votre établissement.'],
  },
  internal: {
    status: 500,
    title: 'Une erreur inattendue s\u2019est produite',
    explanation: ['La connexion n\u2019a pas pu aboutir. Recommencez ; si le problème continue, signalez-le à l\u2019assistance de votre établissement.'],
  },
};

export const SSO_ERROR_KINDS = Object.keys(ERRORS) as readonly SsoErrorKind[];

/**
 * Never throws: a retryHref or abortHref that is neither a path nor an http(s) URL is left out. `abortHref` ends
 * the login and takes the person back to the service, which is told the login did not happen.
 */
export function errorPage(kind: SsoErrorKind, { retryHref, abortHref, serviceName }: { retryHref?: string; abortHref?: string; serviceName?: string } = {}): Page {
  const { status, title, explanation } = ERRORS[kind];
  const service = serviceName ? paragraph(`Service demandé : ${serviceName}.`) : '';
  const retry = retryHref && isSafeTarget(retryHref) ? `<a class="button" href="${escapeHtml(retryHref)}">Recommencer</a>` : '';
  const abort = abortHref && isSafeTarget(abortHref) ? `<a class="button secondary" href="${escapeHtml(abortHref)}">Retour au service</a>` : '';
  const actions = retry || abort ? `<p class="actions">${[retry, abort].filter(Boolean).join(' ')}</p>` : '';
  return {
    status,
    html: layout({ title, body: [...explanation.map(paragraph), service, actions].filter(Boolean).join('\n') }),
  };
}

/**
 * The SAML HTTP-POST binding: a form of hidden fields posted to the identity provider by autosubmit.js, with a
 * visible button when scripts are off. Throws a TypeError if `action` is neither a path nor an http(s) URL.
 */
export function formPostPage({ action, fields }: { action: string; fields: Readonly<Record<string, string>> }): Page {
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return {
    status: 200,
    html: layout({
      title: 'Connexion en cours',
      autosubmit: true,
      body: `${paragraph('Vous êtes dirigé vers la page de connexion. Si rien ne se passe, appuyez sur « Continuer ».')}
<form method="post" action="${escapeHtml(safeTarget(action, 'the form action'))}" data-autosubmit>
${hidden}
<button type="submit" class="button">Continuer</button>
</form>`,
    }),
  };
}

/**
 * oidc-provider's logout confirmation (features.rpInitiatedLogout.logoutSource). `action` is
 * ctx.oidc.urlFor('end_session_confirm') and `xsrf` ctx.oidc.session.state.secret, the two things its `form`
 * argument carries. "Se déconnecter" posts `logout=yes` (ends the gateway session and every service's);
 * "Rester connecté" posts without it (leaves only the service that asked).
 */
export function logoutConfirmPage({ serviceName, action, xsrf }: { serviceName?: string; action: string; xsrf: string }): Page {
  return {
    status: 200,
    html: layout({
      title: 'Se déconnecter',
      body: `${paragraph(`Vous quittez ${serviceOrDefault(serviceName)}. Voulez-vous aussi vous déconnecter de tous les services ouverts avec ce compte ?`)}
<form method="post" action="${escapeHtml(safeTarget(action, 'the form action'))}">
<input type="hidden" name="xsrf" value="${escapeHtml(xsrf)}">
<div class="actions">
<button type="submit" class="button" name="logout" value="yes">Se déconnecter</button>
<button type="submit" class="button secondary">Rester connecté</button>
</div>
</form>
<p class="hint">${escapeHtml('Sur un ordinateur partagé, choisissez « Se déconnecter ».')}</p>`,
    }),
  };
}

/** oidc-provider's page after a logout that names no post_logout_redirect_uri (postLogoutSuccessSource). */
export function loggedOutPage({ serviceName }: { serviceName?: string } = {}): Page {
  const from = serviceName ? `Vous êtes déconnecté de « ${serviceName} ».` : 'Vous êtes déconnecté.';
  return {
    status: 200,
    html: layout({
      title: 'Vous êtes déconnecté',
      body: [paragraph(from), paragraph('Sur un ordinateur partagé, fermez aussi le navigateur.')].join('\n'),
    }),
  };
}

/**
 * oidc-provider's renderError: a service (relying party) made a request the gateway refuses. The OAuth error
 * code and its (English) description are shown as technical details for the service's support, escaped.
 */
export function oidcErrorPage({ error, error_description }: { error: string; error_description?: string }): Page {
  const details = [`<dt>Code</dt>\n<dd><code>${escapeHtml(error)}</code></dd>`];
  if (error_description) details.push(`<dt>Détail</dt>\n<dd>${escapeHtml(error_description)}</dd>`);
  return {
    status: error === 'server_error' ? 500 : 400,
    html: layout({
      title: 'La demande de connexion n\u2019a pas pu aboutir',
      body: `${paragraph('Le service qui vous a envoyé ici a fait une demande que la Passerelle ne peut pas accepter. Retournez sur ce service et recommencez ; si le problème continue, signalez-le à son assistance avec les informations ci-dessous.')}
<dl class="details">
${details.join('\n')}
</dl>`,
    }),
  };
}

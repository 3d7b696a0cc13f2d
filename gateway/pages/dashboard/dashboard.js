// The ministry's shared dashboard: sign in with an API client holding aggregates.read, or as a member of staff
// through the gateway's SSO at a dashboard party (sso.js), choose a territory
// (national, a région, an académie or a département) and read its key figures, the daily SSO logins of the
// last 14 days, a table and a tile map by département, with a CSV download of each measure. Plain ES module.
import { currentClientId, download, PageError, signIn, signOut, useToken } from './api.js';
import { finishSsoLogin, ssoLogout, ssoParties, startSsoLogin } from './sso.js';
import { aggregate, aggregatePath, cellContent, cellsBy, dailyTotals, totalCell } from './aggregates.js';
import { renderLogins } from './chart.js';
import { renderTileMap } from './tile-map.js';
import { el, fillTable } from '../page-kit/dom.js';
import { addDays, longDayLabel, today } from '../page-kit/format.js';
import { showSignInForm, wireSignIn } from '../page-kit/sign-in.js';
import { statusArea } from '../page-kit/status.js';

const $ = (id) => document.getElementById(id);

const KEY_FIGURES = [
  { measure: 'establishments', label: 'Établissements' },
  { measure: 'pupils', label: 'Élèves' },
  { measure: 'teachers', label: 'Enseignants' },
  { measure: 'classes', label: 'Classes' },
  { measure: 'class-size', label: 'Élèves par classe en moyenne' },
];

/** The table's columns; disruption is read over the last 30 days. */
const COLUMNS = [
  { measure: 'pupils', label: 'Élèves' },
  { measure: 'teachers', label: 'Enseignants' },
  { measure: 'classes', label: 'Classes' },
  { measure: 'class-size', label: 'Élèves par classe' },
  { measure: 'disruption', label: 'Cours annulés ou remplacés, 30 derniers jours', unit: '\u202f%', days: 30 },
];

const LOGIN_DAYS = 14;

const LEVEL_NAMES = { region: 'région', academie: 'académie', departement: 'département' };

const status = statusArea({ onSignedOut: () => showSignIn() });
const { say, fail, busy } = status;

/** A login through the SSO (its ID token ends it), or null when signed in with an API client or not at all. */
let ssoSession = null;

function showSignIn() {
  ssoSession = null;
  showSignInForm(signOut);
}

function signedIn(as, who) {
  $('connecte-comme').textContent = as;
  $('client-connecte').textContent = who;
  $('connexion').hidden = true;
  $('choix').hidden = false;
  say('Connecté. Choisissez un territoire.');
  $('niveau').focus();
}

wireSignIn({
  signIn,
  status,
  async signedIn() {
    ssoSession = null;
    signedIn('Connecté avec le client', currentClientId());
  },
});

/** The SSO's button when some dashboard party comes back to this page, with a choice when there are several. */
async function offerSso() {
  const parties = await ssoParties();
  if (!parties.length) return;
  $('sso-tableau').replaceChildren(...parties.map((party) => el('option', { value: party.clientId }, party.name)));
  $('sso-choix').hidden = parties.length < 2;
  $('sso').hidden = false;
  $('form-sso').addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(event.currentTarget, async () => {
      say('Vous êtes dirigé vers la page de connexion…');
      await startSsoLogin(parties.find((party) => party.clientId === $('sso-tableau').value) ?? parties[0]);
    });
  });
}

/** Back from the SSO's login pages: the token for the aggregates, and who is signed in. */
async function resumeSso() {
  try {
    const session = await finishSsoLogin();
    if (!session) return;
    useToken(session.clientId, session.token, session.expiresIn);
    ssoSession = session;
    signedIn('Connecté :', `${session.person || 'compte académique'} (${session.partyName})`);
  } catch (error) {
    fail(error);
  }
}

/** `national`, or `region:84`, `academie:10`, `departement:069` from the form. */
function chosenTerritory() {
  const level = $('niveau').value;
  const code = $('code').value.trim();
  if (level === 'national') return { territory: 'national', name: 'National' };
  if (!/^[0-9A-Za-z]{1,5}$/.test(code)) throw new PageError(`Saisissez le code de la ${LEVEL_NAMES[level]} (des chiffres, par exemple 84, 10 ou 069).`);
  return { territory: `${level}:${code.toUpperCase()}`, name: `${LEVEL_NAMES[level][0].toUpperCase()}${LEVEL_NAMES[level].slice(1)} ${code.toUpperCase()}` };
}

async function onTerritory(event) {
  event.preventDefault();
  await busy(event.currentTarget, async () => {
    $('resultats').hidden = true;
    const { territory, name } = chosenTerritory();
    say(`Lecture des données : ${name}…`);
    const end = today();
    const days = Array.from({ length: LOGIN_DAYS }, (_, i) => addDays(end, i - LOGIN_DAYS + 1));
    const [figures, columns, logins] = await Promise.all([
      Promise.all(KEY_FIGURES.map(({ measure }) => aggregate(measure, { territory }))),
      Promise.all(COLUMNS.map(({ measure, days: span }) => aggregate(measure, { territory, by: 'departement', ...(span ? { from: addDays(end, 1 - span), to: end } : {}) }))),
      // One request for the days, each its own table (suppressed on its own, as a request per day would be).
      aggregate('sso-logins', { territory, from: days[0], to: end, period: 'day' }),
    ]);
    $('resultats').hidden = false;
    $('resultats-titre').textContent = `Tableau de bord : ${name}`;
    $('fraicheur').textContent = `Données à jour du ${longDayLabel(figures[1].freshAt.slice(0, 10))} à ${freshTime(figures[1].freshAt)}.`;
    renderKeyFigures(figures);
    renderLogins($('graphique'), $('graphique-resume'), $('connexions'), days, dailyTotals(logins, days));
    renderDepartements(territory, columns, end);
    renderTileMap($('carte'), $('legende'), cellsBy(columns[0], 'departement'));
    say(`Tableau de bord affiché : ${name}.`);
    $('resultats-titre').focus();
  });
}

const timeFormat = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' });
const freshTime = (instant) => timeFormat.format(new Date(instant)).replace(':', ' h ');

function renderKeyFigures(answers) {
  $('chiffres').replaceChildren(...KEY_FIGURES.map(({ measure, label }, i) => el('div', { class: 'figure', dataset: { measure } },
    el('dt', {}, label),
    el('dd', {}, cellContent(totalCell(answers[i]))))));
}

function renderDepartements(territory, answers, end) {
  const byColumn = answers.map((answer) => cellsBy(answer, 'departement'));
  const codes = [...new Set(byColumn.flatMap((cells) => [...cells.keys()]))].sort();
  const row = (header, cells) => el('tr', {}, header, COLUMNS.map(({ unit }, i) => el('td', { class: 'number' }, cellContent(cells[i], unit))));
  fillTable($('departements'), 'Effectifs et perturbations par département', ['Département', ...COLUMNS.map(({ label }) => label)], [
    ...codes.map((code) => row(el('th', { scope: 'row' }, code), byColumn.map((cells) => cells.get(code)))),
    row(el('th', { scope: 'row' }, 'Ensemble du territoire'), answers.map(totalCell)),
  ]);
  $('telechargements').replaceChildren(...COLUMNS.map(({ measure, label, days: span }) => {
    const query = { territory, by: 'departement', ...(span ? { from: addDays(end, 1 - span), to: end } : {}) };
    const button = el('button', { type: 'button', class: 'secondary' }, `${label} (CSV)`);
    button.addEventListener('click', async () => {
      try {
        const file = await download(aggregatePath(measure, query), 'text/csv', `${measure}.csv`);
        say(`Fichier « ${file} » téléchargé.`);
      } catch (error) {
        fail(error);
      }
    });
    return button;
  }));
}

function onLevel() {
  const national = $('niveau').value === 'national';
  $('code').disabled = national;
  if (national) $('code').value = '';
}

$('form-territoire').addEventListener('submit', onTerritory);
$('niveau').addEventListener('change', onLevel);
$('deconnexion').addEventListener('click', async () => {
  const session = ssoSession;
  showSignIn();
  if (session) {
    say('Déconnexion du compte académique…');
    await ssoLogout(session).catch(fail);
    return;
  }
  say('Vous êtes déconnecté.');
});
onLevel();
await Promise.all([offerSso(), resumeSso()]);
document.documentElement.dataset.ready = 'true';

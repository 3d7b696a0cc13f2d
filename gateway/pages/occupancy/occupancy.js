// The occupancy page for local authorities: sign in with an API client (client credentials), choose an
// establishment of the client's perimeter and a week, and read the rooms × hours heat map, the occupancy
// rates and the heating plan, or download them as CSV and iCalendar. Plain ES module, no build step.
import { allPages, apiJson, currentClientId, download, PageError, signIn, signOut } from './api.js';
import { el } from '../page-kit/dom.js';
import { addDays, isIsoDate, longDayLabel, mondayOf, today } from '../page-kit/format.js';
import { dayOptions, isClosedDay, renderHeatMap } from './heat-map.js';
import { renderHeating, renderRates } from './tables.js';
import { showSignInForm, wireSignIn } from '../page-kit/sign-in.js';
import { statusArea } from '../page-kit/status.js';

const $ = (id) => document.getElementById(id);

/** What the results show: the establishment and week asked for, and the two feeds' answers. */
let shown = null;

const status = statusArea({ onSignedOut: () => showSignIn() });
const { say, fail, busy } = status;

function showSignIn() {
  shown = null;
  showSignInForm(signOut);
}

wireSignIn({
  signIn,
  status,
  async signedIn() {
    const establishments = await allPages('v1/establishments?limit=1000');
    establishments.sort((a, b) => (a.name ?? a.uai).localeCompare(b.name ?? b.uai, 'fr'));
    $('etablissement').replaceChildren(...establishments.map((e) => el('option', { value: e.uai }, `${e.name ?? e.uai} (${e.uai})`)));
    $('client-connecte').textContent = currentClientId();
    $('connexion').hidden = true;
    $('choix').hidden = false;
    $('resultats').hidden = true;
    if (!establishments.length) {
      fail(new PageError('Aucun établissement n’est dans le périmètre de ce client API.'));
      $('deconnexion').focus();
      return;
    }
    say(`Connecté. ${establishments.length} établissement${establishments.length > 1 ? 's' : ''} accessible${establishments.length > 1 ? 's' : ''}.`);
    $('etablissement').focus();
  },
});

async function onShow(event) {
  event.preventDefault();
  const uai = $('etablissement').value;
  const day = $('semaine').value;
  if (!uai) return fail(new PageError('Choisissez un établissement.'));
  if (!isIsoDate(day)) {
    fail(new PageError('Choisissez un jour de la semaine voulue.'));
    $('semaine').focus();
    return;
  }
  const from = mondayOf(day);
  const to = addDays(from, 6);
  await busy(event.currentTarget, async () => {
    say('Chargement de l’occupation…');
    const range = `from=${from}&to=${to}`;
    const base = `v1/establishments/${encodeURIComponent(uai)}`;
    const [occupancy, heating] = await Promise.all([apiJson(`${base}/occupancy?${range}`), apiJson(`${base}/heating?${range}`)]);
    const name = $('etablissement').selectedOptions[0]?.textContent ?? uai;
    shown = { uai, from, to, occupancy, heating };
    render(name);
    say(`Occupation affichée : ${name}, semaine du ${longDayLabel(from)}.`);
    $('resultats-titre').focus();
  });
}

function render(name) {
  const { from, to, occupancy, heating } = shown;
  $('resultats-titre').textContent = `${name} – semaine du ${longDayLabel(from)} au ${longDayLabel(to)}`;
  const { options, initial } = dayOptions(occupancy);
  $('jour').replaceChildren(...options);
  $('jour').value = initial;
  renderDay();
  renderRates({ summary: $('taux-etablissement'), buildingsTable: $('taux-batiments'), roomsTable: $('taux-salles') }, occupancy);
  renderHeating({ settings: $('chauffage-reglages'), table: $('chauffage') }, heating);
  $('resultats').hidden = false;
}

function renderDay() {
  const selection = $('jour').value;
  const closed = isClosedDay(shown.occupancy, selection);
  $('jour-ferme').hidden = !closed;
  $('carte').hidden = closed;
  renderHeatMap($('carte'), shown.occupancy, selection);
}

/** The three downloads: the feed, the media type asked for, and a file name if the server gives none. */
const DOWNLOADS = {
  'telecharger-occupation': { feed: 'occupancy', accept: 'text/csv', name: (s) => `occupation-${s.uai}-${s.from}-${s.to}.csv` },
  'telecharger-chauffage-csv': { feed: 'heating', accept: 'text/csv', name: (s) => `chauffage-${s.uai}-${s.from}-${s.to}.csv` },
  'telecharger-chauffage-ics': { feed: 'heating', accept: 'text/calendar', name: (s) => `chauffage-${s.uai}-${s.from}-${s.to}.ics` },
};

async function onDownload(event) {
  const choice = DOWNLOADS[event.currentTarget.id];
  if (!shown || !choice) return;
  const button = event.currentTarget;
  button.disabled = true;
  try {
    say('Préparation du fichier…');
    const path = `v1/establishments/${encodeURIComponent(shown.uai)}/${choice.feed}?from=${shown.from}&to=${shown.to}`;
    const name = await download(path, choice.accept, choice.name(shown));
    say(`Fichier « ${name} » téléchargé.`);
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
  }
}

function start() {
  $('semaine').value = today();
  $('form-choix').addEventListener('submit', onShow);
  $('jour').addEventListener('change', () => shown && renderDay());
  $('deconnexion').addEventListener('click', () => {
    showSignIn();
    say('Vous êtes déconnecté.');
  });
  for (const id of Object.keys(DOWNLOADS)) $(id).addEventListener('click', onDownload);
  document.documentElement.dataset.ready = 'true';
}

start();

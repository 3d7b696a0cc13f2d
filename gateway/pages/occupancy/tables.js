// The week's occupancy rates (establishment, buildings, rooms) and the heating plan's comfort periods, as
// tables with captions and header cells, every rate written out.
import { el, fillTable } from '../page-kit/dom.js';
import { byBuildingThenCode, heatClass } from './heat-map.js';
import { dayLabel, integerText, localDate, localTime, percentText } from '../page-kit/format.js';

const buildingName = (building) => building ?? 'Sans bâtiment';

const rateCell = (share) => el('td', { class: `heat ${heatClass(share)} number` }, percentText(share));
const numberCell = (n) => el('td', { class: 'number' }, n === null || n === undefined ? '—' : integerText(n));

/** The establishment's sentence, its closed days, then a table per building and per room. */
export function renderRates({ summary, buildingsTable, roomsTable }, occupancy) {
  const closed = occupancy.closedDates ?? [];
  summary.replaceChildren(
    'Taux d’occupation de l’établissement : ',
    el('strong', {}, percentText(occupancy.rate)),
    ` (${integerText(occupancy.busyMinutes)} minutes occupées sur ${integerText(occupancy.openMinutes)} minutes d’ouverture, `
      + `${occupancy.rooms.length} salle${occupancy.rooms.length > 1 ? 's' : ''}, de ${occupancy.openingHours.start} à ${occupancy.openingHours.end}).`,
    closed.length ? ` Jours fermés : ${closed.map(dayLabel).join(', ')}.` : '',
  );

  const roomCodes = new Map(occupancy.rooms.map((room) => [room.id, room.code]));
  fillTable(buildingsTable, 'Par bâtiment',
    ['Bâtiment', 'Salles', 'Taux', 'Minutes occupées', 'Minutes d’ouverture'],
    occupancy.buildings.map((building) => el('tr', {},
      el('th', { scope: 'row' }, buildingName(building.building)),
      el('td', {}, building.roomIds.map((id) => roomCodes.get(id) ?? id).join(', ')),
      rateCell(building.rate), numberCell(building.busyMinutes), numberCell(building.openMinutes))));

  fillTable(roomsTable, 'Par salle',
    ['Salle', 'Libellé', 'Bâtiment', 'Capacité', 'Taux', 'Minutes occupées', 'Minutes d’ouverture'],
    [...occupancy.rooms].sort(byBuildingThenCode).map((room) => el('tr', { dataset: { room: room.code } },
      el('th', { scope: 'row' }, room.code),
      el('td', {}, room.name ?? '—'),
      el('td', {}, buildingName(room.building)),
      numberCell(room.capacity),
      rateCell(room.rate), numberCell(room.busyMinutes), numberCell(room.openMinutes))));
}

/** The settings in a sentence, then one row per comfort period of each zone (or one saying there is none). */
export function renderHeating({ settings, table }, plan) {
  const { leadMinutes, lagMinutes, bridgeMinutes } = plan.settings;
  settings.textContent = `Chauffage en confort à partir de ${leadMinutes} min avant la première occupation des salles d’une zone `
    + `et jusqu’à ${lagMinutes} min après la dernière ; deux périodes séparées de moins de ${bridgeMinutes} min sont réunies. `
    + 'Le reste du temps, et les jours fermés, la zone est en réduit.';
  const rows = plan.zones.flatMap((zone) => {
    const lead = [el('th', { scope: 'row' }, zone.zone), el('td', {}, buildingName(zone.building))];
    if (!zone.comfort.length) return [el('tr', {}, lead, el('td', { colspan: 3 }, 'Aucune période de confort cette semaine'))];
    return zone.comfort.map((period) => el('tr', { dataset: { zone: zone.zone } },
      lead.map((cell) => cell.cloneNode(true)),
      el('td', {}, dayLabel(localDate(period.start))),
      el('td', { class: 'number' }, localTime(period.start)),
      el('td', { class: 'number' }, endTime(period))));
  });
  fillTable(table, 'Périodes de confort par zone de chauffage', ['Zone', 'Bâtiment', 'Jour', 'Début du confort', 'Fin du confort'], rows);
}

/** A period that ends at the next midnight reads `24:00`, not `00:00`. */
function endTime(period) {
  return localDate(period.end) > localDate(period.start) && localTime(period.end) === '00:00' ? '24:00' : localTime(period.end);
}

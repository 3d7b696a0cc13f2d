// The partner export's descriptions (ExportEmploiDuTemps, as ENTCORE's EDTHandler and EDTImporter read them):
// the school year's first week, the slot grid, and the subjects, teachers, classes (with their parts), groups and
// rooms that courses name by their `Ident`. Each entity → what the courses need, and the items it yields.
import type { Temporal } from 'temporal-polyfill';
import type { ConnectorProblem } from '../kit/problem.js';
import type { GroupRef, ResourceRef, TimetableItem } from '../kit/timetable.js';
import type { XmlElement } from '../kit/xml.js';
import { minutesOfDay } from './clock.js';
import { dateOf } from './weeks.js';

/** A place of the slot grid: minutes since midnight. */
export interface Place {
  start: number;
  end: number;
}

/** What the courses of a partner export refer to, filled as the descriptions before them are read. */
export interface PartnerResources {
  firstDay?: Temporal.PlainDate;
  places: Map<number, Place>;
  subjects: Map<string, ResourceRef>;
  teachers: Map<string, ResourceRef>;
  /** Classes, their parts (PartieDeClasse) and groups: three name spaces, kept apart. */
  classes: Map<string, GroupRef>;
  parts: Map<string, GroupRef>;
  groups: Map<string, GroupRef>;
  rooms: Map<string, ResourceRef>;
}

export const emptyResources = (): PartnerResources => ({
  places: new Map(), subjects: new Map(), teachers: new Map(), classes: new Map(), parts: new Map(), groups: new Map(), rooms: new Map(),
});

const attribute = (element: XmlElement, name: string): string => element.attributes[name]?.trim() ?? '';

/**
 * Reads one description into `resources`; returns the items it yields (a calendar, a room, a subject) and the
 * problems of what it could not use. Elements of other names are not descriptions: nothing.
 */
export function describe(element: XmlElement, resources: PartnerResources, file: string): TimetableItem[] {
  const position = { file, line: element.line };
  const problem = (field: string, detail: string, severity: 'error' | 'warning' = 'error'): TimetableItem =>
    ({ kind: 'problem', problem: { file, line: element.line, field, code: 'bad-value', severity, detail } satisfies ConnectorProblem });
  const ident = attribute(element, 'Ident');
  const needsIdent = ['Matiere', 'Professeur', 'Classe', 'Groupe', 'Salle'].includes(element.name);
  if (needsIdent && !ident) return [problem('Ident', `${element.name} has no Ident; expected the identifier its courses name it by`)];
  const name = attribute(element, 'Nom');

  switch (element.name) {
    case 'AnneeScolaire': {
      const first = dateOf(attribute(element, 'DatePremierJourSemaine1'));
      if (!first) return [problem('DatePremierJourSemaine1', `DatePremierJourSemaine1 "${attribute(element, 'DatePremierJourSemaine1')}" is not a date; expected YYYY-MM-DD`)];
      resources.firstDay = first;
      // [UNVERIFIED] ENTCORE reads only DatePremierJourSemaine1; DateDebut/DateFin are taken when present.
      const startDate = dateOf(attribute(element, 'DateDebut'))?.toString();
      const endDate = dateOf(attribute(element, 'DateFin'))?.toString();
      return startDate || endDate ? [{ kind: 'calendar', calendar: { startDate, endDate, position } }] : [];
    }
    case 'GrilleHoraire':
      return gridOf(element, resources, file);
    case 'Matiere': {
      const code = attribute(element, 'Code') || ident;
      const label = attribute(element, 'Libelle') || undefined;
      resources.subjects.set(ident, { sourceId: ident, code, name: label });
      return [{ kind: 'subject', subject: { sourceId: ident, code, name: label, position } }];
    }
    case 'Professeur':
      if (!name) return [problem('Nom', `Professeur ${ident} has no Nom; expected the teacher's family name`)];
      resources.teachers.set(ident, { sourceId: ident, familyName: name, givenName: attribute(element, 'Prenom') || undefined });
      return [];
    case 'Classe':
      resources.classes.set(ident, { sourceId: ident, code: name || ident, kind: 'division' });
      for (const part of element.children.filter((child) => child.name === 'PartieDeClasse')) {
        const partIdent = attribute(part, 'Ident');
        if (partIdent) resources.parts.set(partIdent, { sourceId: partIdent, code: attribute(part, 'Nom') || partIdent, kind: 'group' });
      }
      return [];
    case 'Groupe':
      resources.groups.set(ident, { sourceId: ident, code: name || ident, kind: 'group' });
      return [];
    case 'Salle':
      resources.rooms.set(ident, { sourceId: ident, code: name || ident });
      return [{ kind: 'room', room: { sourceId: ident, code: name || ident, name: name || undefined, position } }];
    default:
      return [];
  }
}

/** GrilleHoraire@DureePlace (minutes) and its Place@Numero@LibelleHeureDebut@LibelleHeureFin (ENTCORE Slot.java). */
function gridOf(element: XmlElement, resources: PartnerResources, file: string): TimetableItem[] {
  const problems: TimetableItem[] = [];
  const length = Number(attribute(element, 'DureePlace'));
  for (const place of element.children.filter((child) => child.name === 'Place')) {
    const numero = Number(attribute(place, 'Numero'));
    const start = minutesOfDay(attribute(place, 'LibelleHeureDebut'));
    const end = attribute(place, 'LibelleHeureFin') ? minutesOfDay(attribute(place, 'LibelleHeureFin')) : start !== undefined && length > 0 ? start + length : undefined;
    if (!Number.isInteger(numero) || start === undefined || end === undefined || end <= start) {
      problems.push({
        kind: 'problem',
        problem: {
          file, line: place.line, field: 'LibelleHeureDebut', code: 'bad-value', severity: 'error',
          detail: `Place "${attribute(place, 'Numero')}" has no usable times ("${attribute(place, 'LibelleHeureDebut')}"–"${attribute(place, 'LibelleHeureFin')}"); expected a Numero and HHhMM or HH:MM times, the end after the start`,
        },
      });
      continue;
    }
    resources.places.set(numero, { start, end });
  }
  return problems;
}

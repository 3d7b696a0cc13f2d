// Times of day and durations as EDT writes them: `09h00`, ` 13h30` (EXP_COURS pads them), `08:00` or `08:00:00`
// (the partner export's slot grid, as ENTCORE's Slot.java reads it), and durations `1h00`, `0h55`, `1h30`.

const CLOCK = /^(\d{1,2})(?:h|:)(\d{2})(?::(\d{2}))?$/i;

/** Minutes since midnight of `09h00`, `9h05`, `08:00` or `08:00:00`; undefined when the text is none of these. */
export function minutesOfDay(text: string): number | undefined {
  const match = CLOCK.exec(text.trim());
  if (!match) return undefined;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : undefined;
}

/** Minutes of a duration `1h00`, `0h55` (also `55` alone, taken as minutes); undefined when it is not a positive one. */
export function durationMinutes(text: string): number | undefined {
  const trimmed = text.trim();
  const hoursAndMinutes = /^(\d{1,2})h(\d{2})$/i.exec(trimmed);
  const total = hoursAndMinutes
    ? (Number(hoursAndMinutes[2]) < 60 ? Number(hoursAndMinutes[1]) * 60 + Number(hoursAndMinutes[2]) : NaN)
    : /^\d{1,3}$/.test(trimmed) ? Number(trimmed) : NaN;
  return total > 0 ? total : undefined;
}

/** `HH:MM` of minutes since midnight. */
export function clockText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

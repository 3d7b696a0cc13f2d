// What the dashboard page shows, read as a person would see it, and the territory picker driven as one would.
import type { Page } from 'playwright-core';

export const textOf = async (page: Page, selector: string): Promise<string> => (await page.locator(selector).innerText()).replace(/\s+/g, ' ').trim();

/** The key figures, as [measure, shown text] pairs. */
export const figuresOf = (page: Page): Promise<(string | undefined)[][]> => page.$$eval('#chiffres .figure', (items) => items.map((item) =>
  [(item as HTMLElement).dataset.measure, (item.querySelector('dd') as HTMLElement).innerText.replace(/\s+/g, ' ').trim()]));

/** Picks a territory level (and its code) and asks for it. */
export async function showTerritory(page: Page, level: string, code = ''): Promise<void> {
  await page.selectOption('#niveau', level);
  if (code) await page.fill('#code', code);
  await page.click('#form-territoire button[type="submit"]');
}

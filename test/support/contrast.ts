// WCAG contrast of the text of the elements a selector finds, measured in the browser from computed styles
// (the background is the first opaque one up the tree, white by default).
import type { Page } from 'playwright-core';

export function contrastRatios(page: Page, selector: string): Promise<{ text: string | null; ratio: number }[]> {
  return page.$$eval(selector, (elements) => {
    const rgb = (css: string) => css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
    const luminance = (css: string) => {
      const [r, g, b] = rgb(css).map((v) => v / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (element: Element): string => {
      for (let e: Element | null = element; e; e = e.parentElement) {
        const color = getComputedStyle(e).backgroundColor;
        if (color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') return color;
      }
      return 'rgb(255, 255, 255)';
    };
    return elements.map((element) => {
      const [a, b] = [luminance(getComputedStyle(element).color), luminance(background(element))];
      return { text: element.textContent, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
    });
  });
}

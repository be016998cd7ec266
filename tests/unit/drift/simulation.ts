/**
 * Seeded, deterministic draws for the drift simulations: mulberry32 (a 32-bit generator, plenty for a few
 * million draws) and multinomial windows drawn from a baseline histogram's shares.
 */

export { mulberry32 } from '../../../src/drift/simulated-null.js';

/** A window of `size` observations drawn from the shares of `counts`, as counts on the same bins. */
export function drawWindow(random: () => number, counts: readonly number[], size: number): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const c of counts) cumulative.push((sum += c) / total);
  const window = new Array<number>(counts.length).fill(0);
  for (let i = 0; i < size; i++) {
    const u = random();
    let k = 0;
    while (k < counts.length - 1 && u >= cumulative[k]!) k++;
    window[k]!++;
  }
  return window;
}

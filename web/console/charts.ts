/**
 * The pages' charts: one ECharts instance per element, resized with the window; a page disposes of its charts
 * when it goes. The library (web/console/echarts.ts) is imported the first time a chart is drawn, so a page
 * paints its content before the browser evaluates it.
 */
import type { ECharts } from 'echarts/core';
import { afterPaint } from './load.js';

export type ChartOption = Parameters<ECharts['setOption']>[0];
export type Chart = ECharts;

let library: Promise<typeof import('./echarts.js')> | undefined;
const live = new Map<HTMLElement, ECharts>();
window.addEventListener('resize', () => {
  for (const c of live.values()) c.resize();
});

/**
 * Draws `option` in `el` (replacing what was drawn) once the library is loaded; resolves to the chart, or to
 * undefined when `el` left the page meanwhile.
 */
export async function draw(el: HTMLElement, option: ChartOption): Promise<ECharts | undefined> {
  const { echarts } = await (library ??= import('./echarts.js'));
  if (!el.isConnected) return undefined;
  let chart = live.get(el);
  if (!chart) {
    chart = echarts.init(el, undefined, { renderer: 'canvas' });
    live.set(el, chart);
  }
  chart.setOption(option, { notMerge: true, lazyUpdate: true });
  return chart;
}

/** `draw`, once the browser has painted what the page put in the DOM so far: its content before its chart. */
export function drawAfterPaint(el: HTMLElement, option: ChartOption): Promise<ECharts | undefined> {
  return new Promise((resolve) => afterPaint(() => resolve(draw(el, option))));
}

/** Resolves once `chart` has drawn what it was last given (ECharts' `finished`, after its deferred update). */
export function finished(chart: ECharts | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!chart) return resolve();
    const done = () => {
      chart.off('finished', done);
      resolve();
    };
    chart.on('finished', done);
  });
}

/** Frees the charts inside `root` (when a page is left). */
export function disposeCharts(root: HTMLElement): void {
  for (const [el, chart] of live) {
    if (!root.contains(el)) continue;
    live.delete(el);
    chart.dispose();
  }
}

/**
 * ECharts, with only the charts and components the pages use (a smaller bundle than the whole library).
 * One chart instance per element, resized with the window; a page disposes of its charts when it goes.
 */
import { BarChart, GraphChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GraphChart, LineChart, ParallelChart, ScatterChart, DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export type ChartOption = Parameters<echarts.ECharts['setOption']>[0];

const live = new Set<echarts.ECharts>();
window.addEventListener('resize', () => {
  for (const c of live) c.resize();
});

/** Draws `option` in `el` (replacing what was drawn); returns the chart. */
export function draw(el: HTMLElement, option: ChartOption): echarts.ECharts {
  let chart = echarts.getInstanceByDom(el);
  if (!chart) {
    chart = echarts.init(el, undefined, { renderer: 'canvas' });
    live.add(chart);
  }
  chart.setOption(option, { notMerge: true, lazyUpdate: true });
  return chart;
}

/** Resolves once `chart` has drawn what it was last given (ECharts' `finished`, after its deferred update). */
export function finished(chart: echarts.ECharts): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      chart.off('finished', done);
      resolve();
    };
    chart.on('finished', done);
  });
}

/** Frees the charts inside `root` (when a page is left). */
export function disposeCharts(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>('[_echarts_instance_]')) {
    const chart = echarts.getInstanceByDom(el);
    if (chart) {
      live.delete(chart);
      chart.dispose();
    }
  }
}

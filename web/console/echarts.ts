/**
 * ECharts, with only the charts and components the pages use (a smaller bundle than the whole library). Loaded
 * by web/console/charts.ts the first time a page draws a chart, as a chunk of its own: the page's content is
 * drawn before the browser has to evaluate the library (most of the script).
 */
import { BarChart, GraphChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GraphChart, LineChart, ParallelChart, ScatterChart, DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export { echarts };

import { BarChart, LineChart, ScatterChart, type BarSeriesOption, type LineSeriesOption, type ScatterSeriesOption } from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption
} from 'echarts/components'
import { init, use, type ComposeOption, type ECharts } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

// Only what the dashboard draws, so the bundle carries a fraction of ECharts.
use([BarChart, LineChart, ScatterChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, CanvasRenderer])

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | ScatterSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
>

export interface Chart {
  readonly chart: ECharts
  dispose(): void
}

/** An ECharts instance that follows its container's size; `onResize` runs after each resize. */
export function createChart(el: HTMLElement, onResize?: () => void): Chart {
  const chart = init(el, undefined, { renderer: 'canvas' })
  // The instance on its element, so a browser test (or an operator in devtools) can read the
  // option actually drawn: the bundle exposes no ECharts global.
  Object.defineProperty(el, 'geowarnChart', { value: chart, configurable: true })
  const observer = new ResizeObserver(() => {
    chart.resize()
    onResize?.()
  })
  observer.observe(el)
  return {
    chart,
    dispose() {
      observer.disconnect()
      chart.dispose()
    }
  }
}

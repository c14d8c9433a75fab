// A time-series line chart on uPlot: sized to its box, coloured from the theme, redrawn when the
// series' version changes (at most once a frame, since the store updates once a frame).
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { createEffect, on, onCleanup, onMount } from 'solid-js'
import { theme } from '../lib/theme.ts'

export interface ChartSeries {
  label: string
  /** CSS variable holding the colour, e.g. '--chart-1'. */
  color: string
  format?: (value: number) => string
}

export function TimeChart(props: { data: Array<Array<number | null>>; version: number; series: ChartSeries[]; minMax?: number }) {
  let box!: HTMLDivElement
  let plot: uPlot | null = null

  const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()

  const build = () => {
    plot?.destroy()
    const axis = { stroke: css('--muted'), grid: { stroke: css('--border'), width: 1 }, ticks: { stroke: css('--border'), width: 1 }, font: '11px system-ui' }
    const options: uPlot.Options = {
      width: Math.max(100, box.clientWidth),
      height: Math.max(60, box.clientHeight),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(props.minMax ?? 1, max * 1.15)] } },
      axes: [
        { ...axis, space: 70, values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleTimeString('en-GB', { hour12: false })) },
        { ...axis, size: 48, values: (_u, splits) => splits.map((v) => props.series[0]?.format?.(v) ?? String(v)) },
      ],
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.label,
          stroke: css(s.color),
          width: 1.5,
          fill: `color-mix(in srgb, ${css(s.color)} 14%, transparent)`,
          points: { show: false },
          spanGaps: false,
        })),
      ],
    }
    plot = new uPlot(options, props.data as uPlot.AlignedData, box)
  }

  onMount(() => {
    build()
    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(100, box.clientWidth), height: Math.max(60, box.clientHeight) }))
    resize.observe(box)
    onCleanup(() => {
      resize.disconnect()
      plot?.destroy()
      plot = null
    })
  })
  // after the theme's attribute has changed, so the new colours are what getComputedStyle reads
  createEffect(on(theme, () => requestAnimationFrame(() => plot && build()), { defer: true }))
  createEffect(on(() => props.version, () => plot?.setData(props.data as uPlot.AlignedData), { defer: true }))

  return <div ref={box} style={{ width: '100%', height: 'calc(100% - 18px)' }} />
}

import type { SiteLevel } from './types.js'

let ctx: AudioContext | null = null

/**
 * Browsers allow sound only after a user gesture: the first click or key press on the page
 * creates the audio context, later cues reuse it.
 */
export function armSound(): void {
  const unlock = (): void => {
    if (ctx === null) ctx = new AudioContext()
    void ctx.resume()
    window.removeEventListener('pointerdown', unlock)
    window.removeEventListener('keydown', unlock)
  }
  window.addEventListener('pointerdown', unlock)
  window.addEventListener('keydown', unlock)
}

/** A short cue: two tones for orange, three rising tones for red. Silent until armed. */
export function playCue(level: SiteLevel): void {
  if (ctx === null || ctx.state !== 'running') return
  const tonesHz = level === 'red' ? [880, 1175, 1568] : [660, 880]
  const toneS = 0.16
  const start = ctx.currentTime + 0.02
  tonesHz.forEach((hz, i) => {
    if (ctx === null) return
    const osc = ctx.createOscillator()
    const gain = ctx.createGain()
    osc.type = 'square'
    osc.frequency.value = hz
    const t0 = start + i * (toneS + 0.05)
    gain.gain.setValueAtTime(0.0001, t0)
    gain.gain.exponentialRampToValueAtTime(0.15, t0 + 0.01)
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + toneS)
    osc.connect(gain).connect(ctx.destination)
    osc.start(t0)
    osc.stop(t0 + toneS + 0.01)
  })
}

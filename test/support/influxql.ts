/**
 * InfluxQL straight over HTTP (`GET /query`, epoch ms), beside our store rather than through it:
 * what a test asserts about InfluxDB's contents must not depend on the code under test.
 */
export async function influxQuery(url: string, db: string, q: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' }).toString()}`)
  const body = (await res.json()) as { results?: Array<{ error?: string; series?: Array<{ columns: string[]; values: unknown[][] }> }> }
  const result = body.results?.[0]
  if (!res.ok || result?.error !== undefined) throw new Error(`InfluxQL ${q}: ${res.status} ${result?.error ?? JSON.stringify(body)}`)
  return (result?.series ?? []).flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
}

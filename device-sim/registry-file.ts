import { readFile } from 'node:fs/promises'
import { fail, ok, registryFileSchema, type RegistryFile, type Result } from '../domain/index.js'

export async function loadRegistryFile(path: string): Promise<Result<RegistryFile>> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    return fail(`cannot read registry ${path}: ${(err as Error).message}`)
  }
  const parsed = registryFileSchema.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    return fail(`invalid registry ${path}: ${issues.join('; ')}`)
  }
  return ok(parsed.data)
}

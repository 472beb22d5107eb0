import type { RegionNode } from './types.js'

/** The chain of nodes from the tree root down to `code`, or null when `code` is not in the tree. */
export function pathTo(root: RegionNode, code: string): RegionNode[] | null {
  if (root.code === code) return [root]
  // GB/T 2260 codes nest by prefix (domain/regions.ts), so only one child can lead to `code`.
  for (const child of root.children) {
    const rest = pathTo(child, code)
    if (rest !== null) return [root, ...rest]
  }
  return null
}

/**
 * How big a YAML document becomes once its aliases are expanded. The yaml library's own
 * guard (maxAliasCount) refuses a legitimate file that shares one `&base` among 100+
 * aliases, so the bound is ours: the number of nodes a full expansion has — what toJS,
 * the schema check and every later walk over the value really visit.
 */
import { isAlias, isCollection, isNode, isPair, type Document, type LineCounter, type Node } from "yaml";

/** Expanded nodes in one aliases.yaml: a real file has a few thousand; billion laughs has 9^9. */
export const MAX_YAML_EXPANDED_NODES = 200_000;

/** `*alias` references in one file: the library resolves each by a scan of the document's anchors and aliases, so their count is bounded too. */
export const MAX_YAML_ALIASES = 2_000;

export type ExpansionProblem = { kind: "unresolved"; name: string; line: number } | { kind: "too-many-aliases"; line: number } | { kind: "too-large"; line: number };

/**
 * Resolves every alias in document order (the last anchor of that name before it), then
 * walks the document as its expansion would, with an explicit stack and a budget: a
 * cycle or an exponential document stops at the bound instead of hanging.
 */
export function checkExpansion(doc: Document, counter: LineCounter, max = MAX_YAML_EXPANDED_NODES): ExpansionProblem | undefined {
  const lineOf = (node: Node) => (node.range ? counter.linePos(node.range[0]).line : 1);
  const targets = new Map<Node, Node>();
  const anchors = new Map<string, Node>();
  // Pre-order, left to right: document order, iteratively (no recursion over nesting).
  const order: unknown[] = [doc.contents];
  while (order.length > 0) {
    const node = order.pop();
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return { kind: "unresolved", name: node.source, line: lineOf(node) };
      if (targets.size >= MAX_YAML_ALIASES) return { kind: "too-many-aliases", line: lineOf(node) };
      targets.set(node, target);
      continue;
    }
    if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
    if (isPair(node)) order.push(node.value, node.key);
    else if (isCollection(node)) for (let i = node.items.length - 1; i >= 0; i--) order.push(node.items[i]);
  }

  // Each item carries the outermost alias it was reached through: the line to blame.
  const stack: { node: unknown; via?: Node }[] = [{ node: doc.contents }];
  let visited = 0;
  while (stack.length > 0) {
    const { node, via } = stack.pop()!;
    if (node == null) continue;
    if (++visited > max) return { kind: "too-large", line: lineOf(via ?? (node as Node)) };
    const target = isAlias(node) ? targets.get(node) : undefined;
    if (target) stack.push({ node: target, via: via ?? (node as Node) });
    else if (isPair(node)) stack.push({ node: node.key, via }, { node: node.value, via });
    else if (isCollection(node)) for (const item of node.items) stack.push({ node: item, via });
  }
  return undefined;
}

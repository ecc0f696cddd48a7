import type { FastifyInstance } from 'fastify';
import { type ASTKindToNode, BREAK, type DocumentNode, GraphQLError, visit } from 'graphql';

/**
 * mercurius, when a query does not parse as GraphQL, tries JSON.parse on it and takes the result as a
 * ready-made AST. A query of "0", "{}" or "[1]" then reaches the hooks and the validator as something
 * that is not a document and fails with a TypeError (INTERNAL, HTTP 500: found by test/e2e/fuzz), and
 * a hand-built AST would skip the parser's token limit. tiendo takes GraphQL text only: a document
 * the parser did not make (its `loc` is a graphql Location, never a plain object as JSON.parse makes)
 * is refused as a syntax error. Registered before every other preValidation hook.
 *
 * Only requests over HTTP are checked: a `server.graphql(document)` call in the process may pass an
 * AST of its own.
 */
export function refuseJsonDocuments(server: FastifyInstance): void {
  server.graphql.addHook('preValidation', async (_schema, document, context) => {
    if (!(context as { reply?: unknown }).reply) return;
    const loc = (document as { loc?: unknown } | null | undefined)?.loc;
    if (loc !== null && typeof loc === 'object' && Object.getPrototypeOf(loc) !== Object.prototype) return;
    throw new GraphQLError('Syntax Error: the query is not a GraphQL document');
  });
}

/**
 * A test of whether a document holds a node of one kind that matches, memoised per document: mercurius
 * keeps the parsed documents of the queries it has seen, so each is walked once.
 */
export function documentHas<K extends keyof ASTKindToNode>(kind: K, matches: (node: ASTKindToNode[K]) => boolean): (document: DocumentNode) => boolean {
  const known = new WeakMap<DocumentNode, boolean>();
  return (document) => {
    let found = known.get(document);
    if (found === undefined) {
      found = false;
      visit(document, {
        [kind]: (node: ASTKindToNode[K]) => {
          if (!matches(node)) return undefined;
          found = true;
          return BREAK;
        },
      });
      known.set(document, found);
    }
    return found;
  };
}

// Text and shape checks on every operation, on every transport (the plugin runs inside yoga's envelop, which HTTP, SSE
// and graphql-ws all use), before anything parses deeply or executes:
// - U+0000 (NUL) anywhere: PostgreSQL text cannot hold it;
// - lone UTF-16 surrogates anywhere: they are not Unicode text, and cannot be stored or hashed faithfully;
// - brackets nested deeper than MAX_NESTING in the document, or variables nested deeper than that: the parser and the
//   variable coercion recurse, and a few thousand levels would exhaust the stack.
// Checked in the raw document, in the string values the parser decodes from escapes (`"\u0000"`, `"\ud800"`), and in
// variables. Each refusal is a BAD_USER_INPUT error saying what is wrong, never echoing the input.
import { GraphQLError, Kind, Lexer, Source, TokenKind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Deeper than any input type or selection this schema accepts, far below what would strain the stack. */
export const MAX_NESTING = 64;

const refusal = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
const NUL = 'Text must not contain NUL (U+0000) characters';
const SURROGATE = 'Text must be valid Unicode: a lone UTF-16 surrogate is not allowed';
const NESTED_DOCUMENT = 'Query is nested too deeply.';
const NESTED_VARIABLES = 'Variables are nested too deeply.';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The problem with one piece of text, or null. */
function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return NUL;
  if (LONE_SURROGATE.test(text)) return SURROGATE;
  return null;
}

/** The problem with a variables value (strings and keys at any depth, and its depth), walked without recursion. */
export function variablesProblem(value: unknown): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem) return problem;
    } else if (item !== null && typeof item === 'object') {
      if (depth >= MAX_NESTING) return NESTED_VARIABLES;
      for (const [key, child] of Object.entries(item)) {
        const problem = textProblem(key);
        if (problem) return problem;
        stack.push([child, depth + 1]);
      }
    }
  }
  return null;
}

/** Bracket nesting of a document, by its tokens (so brackets inside strings and comments do not count). */
function documentTooDeep(source: string): boolean {
  let lexer: Lexer;
  try {
    lexer = new Lexer(new Source(source));
  } catch {
    return false;
  }
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
        if (++depth > MAX_NESTING) return true;
      } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
        depth--;
      }
    }
  } catch {
    // A syntax error: the parser reports it.
  }
  return false;
}

/** NUL or a lone surrogate in a string value the parser decoded from escapes. */
function decodedProblem(document: DocumentNode): string | null {
  let problem: string | null = null;
  visit(document, {
    [Kind.STRING](node) {
      problem ??= textProblem(node.value);
    },
  });
  return problem;
}

export function inputGuards(): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      const problem = textProblem(source) ?? (documentTooDeep(source) ? NESTED_DOCUMENT : null);
      if (problem) throw refusal(problem);
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error || !result) return;
        const decoded = decodedProblem(result as DocumentNode);
        if (decoded) replaceParseResult(refusal(decoded));
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const problem = variablesProblem(args.variableValues);
      if (problem) setResultAndStopExecution({ errors: [refusal(problem)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const problem = variablesProblem(args.variableValues);
      if (problem) setResultAndStopExecution({ errors: [refusal(problem)] });
    },
  };
}

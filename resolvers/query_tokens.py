"""The limit on a query's length, counted in tokens before it is parsed.

A token is a name, a punctuator (`{`, `(`, `:`, `...`) or a literal value;
comments and white space are free. Counting stops one token past the limit,
so a huge document costs no more to refuse than one at the limit.
"""

from __future__ import annotations

from graphql import GraphQLSyntaxError, Lexer, Source, TokenKind

from gateway.errors import QueryTooComplex


def check_token_count(document: str, max_tokens: int) -> None:
    """Raise QueryTooComplex when `document` has more than `max_tokens`."""
    if _count_tokens(document, stop_after=max_tokens) > max_tokens:
        raise QueryTooComplex(
            f"The query has more than {max_tokens} tokens.", limit="tokens"
        )


def _count_tokens(document: str, stop_after: int) -> int:
    lexer = Lexer(Source(document))
    count = 0
    try:
        while count <= stop_after and lexer.advance().kind is not TokenKind.EOF:
            count += 1
    except GraphQLSyntaxError:
        # Not a document at all: the parser says so, with a better message.
        pass
    return count

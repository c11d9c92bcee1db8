import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, errorText, type Page } from '../../api.ts';
import { ErrorBox, Time, useAction } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import type { CaseComment, Person } from './case-types.ts';

// The server's mention syntax (src/cases/case-mentions.ts).
const MENTION = /(?<![\w.])@([a-zA-Z0-9][a-zA-Z0-9._@-]{0,127})/g;

/** The comment's text with the mentions the server recognised (existing users) highlighted. */
export function CommentBody({ comment }: { comment: CaseComment }) {
  const known = new Set(comment.mentions);
  const parts: ReactNode[] = [];
  let at = 0;
  for (const match of comment.body.matchAll(MENTION)) {
    const name = match[1]!.replace(/\.+$/, '');
    if (!known.has(name)) continue;
    const start = match.index;
    parts.push(comment.body.slice(at, start));
    parts.push(
      <mark key={start} className="mention">
        @{name}
      </mark>,
    );
    at = start + 1 + name.length;
  }
  parts.push(comment.body.slice(at));
  return <p className="comment-body">{parts}</p>;
}

/** The @word being typed at the caret, if any. */
function mentionAt(text: string, caret: number): { start: number; prefix: string } | null {
  const match = /(?:^|[^\w.])@([a-zA-Z0-9._@-]*)$/.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: caret - match[1]!.length - 1, prefix: match[1]! };
}

export function CaseComments({
  caseId,
  comments: newest,
  count,
  olderCursor,
  people,
  onChanged,
}: {
  caseId: string;
  /** The newest comments, oldest first (the case detail's). */
  comments: CaseComment[];
  count: number;
  olderCursor: string | null;
  people: Person[];
  onChanged: () => void;
}) {
  const session = useSession();
  const action = useAction();
  // Older comments loaded on request, oldest first; kept while the case reloads on live events.
  const [older, setOlder] = useState<{ items: CaseComment[]; next: string | null } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  useEffect(() => setOlder(null), [caseId]);
  const next = older ? older.next : olderCursor;
  const loadOlder = async () => {
    if (!next) return;
    setLoadingOlder(true);
    try {
      const page = await api.get<Page<CaseComment>>(`/api/v1/cases/${encodeURIComponent(caseId)}/comments`, {
        cursor: next,
        limit: 100,
      });
      setOlder((old) => ({
        items: [...[...page.items].reverse(), ...(old?.items ?? [])],
        next: page.nextCursor,
      }));
      setOlderError(null);
    } catch (e) {
      setOlderError(errorText(e));
    } finally {
      setLoadingOlder(false);
    }
  };
  const shownIds = new Set(newest.map((c) => c.id));
  const comments = [...(older?.items ?? []).filter((c) => !shownIds.has(c.id)), ...newest];
  const [body, setBody] = useState('');
  const [caret, setCaret] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const typing = mentionAt(body, caret);
  const suggestions = typing
    ? people.filter((p) => p.username.toLowerCase().startsWith(typing.prefix.toLowerCase())).slice(0, 6)
    : [];
  const insert = (username: string) => {
    if (!typing) return;
    const next = `${body.slice(0, typing.start)}@${username} ${body.slice(caret)}`;
    const position = typing.start + username.length + 2;
    setBody(next);
    setCaret(position);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(position, position);
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api.post(`/api/v1/cases/${encodeURIComponent(caseId)}/comments`, { body });
      setBody('');
      setCaret(0);
      onChanged();
    });
  };
  return (
    <section className="panel" aria-label="Comments">
      <h2>Comments</h2>
      {comments.length === 0 && <p className="muted">No comments yet.</p>}
      {count > comments.length && (
        <p className="muted small">
          The newest {comments.length} of {count} comments.
        </p>
      )}
      <ErrorBox error={olderError} />
      {next && (
        <button type="button" disabled={loadingOlder} onClick={() => void loadOlder()}>
          Load older comments
        </button>
      )}
      <ol className="plain comments">
        {comments.map((c) => (
          <li key={c.id}>
            <div className="muted small">
              <strong>{c.author}</strong> · <Time value={c.createdAt} />
              {c.mentions.length > 0 && <> · mentioned {c.mentions.join(', ')}</>}
            </div>
            <CommentBody comment={c} />
          </li>
        ))}
      </ol>
      {session.can('triage') && (
        <form className="stack" aria-label="Add a comment" onSubmit={submit}>
          <label>
            Comment (mention someone with @username; they are notified)
            <textarea
              ref={area}
              value={body}
              maxLength={50_000}
              onChange={(e) => {
                setBody(e.target.value);
                setCaret(e.target.selectionStart);
              }}
              onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
            />
          </label>
          {suggestions.length > 0 && (
            <div className="row" role="group" aria-label="Mention suggestions">
              {suggestions.map((p) => (
                <button key={p.username} type="button" className="small" onClick={() => insert(p.username)}>
                  Mention @{p.username}
                </button>
              ))}
            </div>
          )}
          <ErrorBox error={action.error} />
          <div>
            <button type="submit" className="primary" disabled={action.busy || body.trim() === ''}>
              Add comment
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

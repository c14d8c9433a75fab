// Shared fixture for the end-to-end tests: a small schema exercising every kind of relationship,
// RLS, functions and a view. Created as the superuser, like an application's own migrations.
import pg from 'pg'

export const FIXTURE_SQL = `
CREATE TABLE public.authors (id serial PRIMARY KEY, name text NOT NULL, born date);
CREATE TABLE public.books (
  id serial PRIMARY KEY, title text NOT NULL, author_id int REFERENCES public.authors(id),
  editor_id int REFERENCES public.authors(id), year int, tags text[] DEFAULT '{}', meta jsonb, price numeric(8,2),
  search tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED
);
CREATE TABLE public.genres (id serial PRIMARY KEY, name text UNIQUE NOT NULL);
CREATE TABLE public.book_genres (book_id int REFERENCES public.books(id), genre_id int REFERENCES public.genres(id), PRIMARY KEY (book_id, genre_id));
CREATE TABLE public.profiles (author_id int PRIMARY KEY REFERENCES public.authors(id), bio text);
CREATE TABLE public.items (id int PRIMARY KEY, name text, qty int DEFAULT 0, during int4range);
CREATE TABLE public.notes (id serial PRIMARY KEY, owner text NOT NULL DEFAULT (current_setting('request.jwt.claims', true)::jsonb->>'sub'), body text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_owner ON public.notes USING (owner = current_setting('request.jwt.claims', true)::jsonb->>'sub')
  WITH CHECK (owner = current_setting('request.jwt.claims', true)::jsonb->>'sub');
CREATE TABLE public.secrets (id int PRIMARY KEY, v text);
REVOKE ALL ON public.secrets FROM anon, authenticated;
CREATE VIEW public.book_titles AS SELECT id, title FROM public.books;
CREATE VIEW public.books_view AS SELECT id, title, author_id FROM public.books;

INSERT INTO public.authors (name, born) VALUES ('Ursula', '1929-10-21'), ('Terry', '1948-04-28'), ('Iain', '1954-02-16');
INSERT INTO public.books (title, author_id, editor_id, year, tags, meta, price) VALUES
  ('A Wizard of Earthsea', 1, 2, 1968, '{fantasy,classic}', '{"pages": 183, "series": {"name": "Earthsea"}}', 9.99),
  ('The Left Hand of Darkness', 1, NULL, 1969, '{scifi}', '{"pages": 286}', 12.50),
  ('Guards! Guards!', 2, 1, 1989, '{fantasy,humour}', '{"pages": 416, "series": {"name": "Discworld"}}', 8.00),
  ('Consider Phlebas', 3, NULL, 1987, '{scifi,space}', NULL, NULL),
  ('Mort', 2, NULL, 1987, '{fantasy}', '{"pages": 272}', 7.25);
INSERT INTO public.genres (name) VALUES ('fantasy'), ('scifi'), ('humour');
INSERT INTO public.book_genres VALUES (1, 1), (2, 2), (3, 1), (3, 3), (4, 2), (5, 1), (5, 3);
INSERT INTO public.profiles VALUES (1, 'Earthsea'), (2, 'Discworld');
INSERT INTO public.items SELECT g, 'item ' || g, g % 7, int4range(g, g + 10) FROM generate_series(1, 100) g;

CREATE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE FUNCTION public.books_after(y int) RETURNS SETOF public.books LANGUAGE sql STABLE AS 'SELECT * FROM public.books WHERE year > y';
CREATE FUNCTION public.numbers(n int) RETURNS SETOF int LANGUAGE sql STABLE AS 'SELECT generate_series(1, n)';
CREATE FUNCTION public.echo(payload jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS 'SELECT payload';
CREATE FUNCTION public.whole(jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS 'SELECT $1';
CREATE FUNCTION public.bump(item int) RETURNS void LANGUAGE sql AS 'UPDATE public.items SET qty = qty + 1 WHERE id = item';
CREATE FUNCTION public.me() RETURNS text LANGUAGE sql STABLE AS $$SELECT current_setting('request.jwt.claims', true)::jsonb->>'sub'$$;
CREATE FUNCTION public.fail() RETURNS void LANGUAGE plpgsql AS $$BEGIN RAISE SQLSTATE 'PT402' USING MESSAGE = 'Payment Required'; END$$;
CREATE FUNCTION public.label(public.books) RETURNS text LANGUAGE sql STABLE AS $$SELECT $1.title || ' (' || $1.year || ')'$$;
CREATE FUNCTION public.redirect() RETURNS text LANGUAGE plpgsql AS $$BEGIN
  PERFORM set_config('response.headers', '[{"Location": "/elsewhere"}, {"X-Custom": "yes"}]', true);
  PERFORM set_config('response.status', '303', true);
  RETURN 'moved';
END$$;
CREATE FUNCTION public.stats(OUT total int, OUT maxyear int) LANGUAGE sql STABLE AS 'SELECT count(*)::int, max(year) FROM public.books';
`

/** `extra`: a test file's own tables and functions, created after the shared fixture. */
export async function createFixture(adminUrl: string, extra = ''): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(FIXTURE_SQL)
    if (extra) await client.query(extra)
    // Created last: once the schema cache has it, it has everything before it (reloads apply
    // DDL notifications in order).
    await client.query("CREATE FUNCTION public.fixture_ready() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1'")
    await client.query("NOTIFY pgrst, 'reload schema'")
  } finally {
    await client.end()
  }
}

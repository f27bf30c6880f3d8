"""SQL the restore tests run on top of the fixture schema."""

# Unusual table settings a restore must leave exactly as it finds them: a trigger of each
# state (one that rewrites rows if it ever fires during a load), a partition whose trigger
# clone differs from its parent's, RLS enabled but not forced and forced but not enabled, a
# policy, a commented foreign key; and indexes of every kind (constraint-backed with options,
# deferrable, exclusion, expression and partial, INCLUDE, commented, CLUSTER and REPLICA
# IDENTITY marks, one with a statistics target, which a restore must not drop) on a table
# another references.
TABLE_SETTINGS = """
CREATE FUNCTION public.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER cat_disabled BEFORE INSERT ON public.categories
    FOR EACH ROW EXECUTE FUNCTION public.noop();
ALTER TABLE public.categories DISABLE TRIGGER cat_disabled;
CREATE TRIGGER ingr_replica BEFORE INSERT ON public.ingredients
    FOR EACH ROW EXECUTE FUNCTION public.noop();
ALTER TABLE public.ingredients ENABLE REPLICA TRIGGER ingr_replica;
ALTER TABLE public.recipes ENABLE ALWAYS TRIGGER recipes_touch;
CREATE TRIGGER meal_logged AFTER INSERT ON public.meal_log
    FOR EACH ROW EXECUTE FUNCTION public.noop();
ALTER TABLE public.meal_log_2024 DISABLE TRIGGER meal_logged;
ALTER TABLE public.members ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_all ON public.members USING (true);
ALTER TABLE billing.invoices FORCE ROW LEVEL SECURITY;
COMMENT ON CONSTRAINT invoices_member_id_fkey ON billing.invoices IS 'who pays';
CREATE TABLE public.bookings (
    id integer GENERATED ALWAYS AS IDENTITY,
    room text NOT NULL,
    code text NOT NULL,
    during tsrange NOT NULL,
    CONSTRAINT bookings_pk PRIMARY KEY (id) WITH (fillfactor = 80),
    CONSTRAINT bookings_code_key UNIQUE (code) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT no_double_booking EXCLUDE USING gist (during WITH &&)
);
CREATE INDEX bookings_lower_room ON public.bookings (lower(room)) WHERE code <> '';
CREATE UNIQUE INDEX bookings_room_code ON public.bookings (room, code) INCLUDE (during);
CREATE INDEX bookings_stats ON public.bookings ((length(room)));
ALTER INDEX public.bookings_stats ALTER COLUMN 1 SET STATISTICS 500;
ALTER TABLE public.bookings CLUSTER ON bookings_room_code;
ALTER TABLE public.bookings REPLICA IDENTITY USING INDEX bookings_room_code;
COMMENT ON INDEX public.bookings_lower_room IS 'case-insensitive';
COMMENT ON CONSTRAINT bookings_pk ON public.bookings IS 'the key';
CREATE TABLE public.booking_notes (
    booking_id integer NOT NULL REFERENCES public.bookings (id),
    note text
);
INSERT INTO public.bookings (room, code, during)
SELECT 'room ' || (i % 7), 'c' || i,
       tsrange('2024-01-01'::timestamp + i * interval '1 day',
               '2024-01-01'::timestamp + i * interval '1 day' + interval '2 hours')
  FROM generate_series(1, 50) AS i;
INSERT INTO public.booking_notes SELECT id, 'note ' || id FROM public.bookings WHERE id % 5 = 0;
"""

# What happens to the data after the backup: updates, inserts (firing the recipes trigger),
# deletes across a circular foreign key, sequences moving on.
CHANGES = """
UPDATE public.kitchen_sink SET body = 'changed', flag = NOT flag;
UPDATE public.ingredients SET grams = grams * 2 WHERE id % 3 = 0;
INSERT INTO public.ingredients (name, grams, kcal_per_100g) VALUES ('new one', 1, 1);
DELETE FROM public.categories WHERE id = 3;
INSERT INTO public.recipes (id, title) VALUES (3, 'Stew');
INSERT INTO public.meal_log (eaten_on, kind) VALUES ('2025-03-01', 'lunch'), ('2030-01-01', 'x');
DELETE FROM public.meal_log WHERE eaten_on < '2024-07-01';
UPDATE "Odd Schema"."Mixed Case" SET "with space" = 'changed';
DELETE FROM public.booking_notes WHERE booking_id > 40;
DELETE FROM public.bookings WHERE id > 40;
UPDATE public.bookings SET room = upper(room);
TRUNCATE public.sessions_cache;
INSERT INTO public.empty_table VALUES (1, 'no longer empty');
SELECT nextval('billing.invoice_numbers');
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
DELETE FROM billing.invoices WHERE member_id = 20;
DELETE FROM public.households WHERE id = 2;
DELETE FROM public.members WHERE id = 20;
COMMIT;
"""

# A table whose load takes about 2 ms a row (a NOT VALID check that sleeps: existing rows
# were never checked, every row COPY loads is), to catch a restore in its load step.
SLOW_ROWS = 1500
SLOW_TABLE = f"""
CREATE FUNCTION public.slowly(integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.002); RETURN true; END $$;
CREATE TABLE public.slow (id integer PRIMARY KEY, note text);
INSERT INTO public.slow SELECT i, 'row ' || i FROM generate_series(1, {SLOW_ROWS}) AS i;
ALTER TABLE public.slow ADD CONSTRAINT slow_check CHECK (public.slowly(id)) NOT VALID;
"""

"""SQL the restore tests run on top of the fixture schema."""

# Unusual table settings a restore must leave exactly as it finds them: a trigger of each
# state (one that rewrites rows if it ever fires during a load), a partition whose trigger
# clone differs from its parent's, RLS enabled but not forced and forced but not enabled, a
# policy, a commented foreign key.
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

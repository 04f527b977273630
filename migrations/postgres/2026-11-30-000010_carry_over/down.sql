ALTER TABLE statements DROP COLUMN carried_into;
ALTER TABLE statements DROP COLUMN carried_in_fen;

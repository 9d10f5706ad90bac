-- Siklus kasus (issue 15): follow-up entries of an incident (tindak lanjut). Who acted, when, with
-- which agency and what came of it; the incident's status_penanganan says how far it is handled.
CREATE SEQUENCE tindak_lanjut_id START 1;
CREATE TABLE tindak_lanjut (
    id            BIGINT PRIMARY KEY DEFAULT nextval('tindak_lanjut_id'),
    id_insiden    BIGINT NOT NULL,                -- incidents.id
    tanggal       DATE NOT NULL,                  -- the day of the action (office's local date)
    tindakan      VARCHAR NOT NULL,               -- what was done (rapat koordinasi, mediasi, …)
    instansi      VARCHAR,                        -- agency that acted
    hasil         VARCHAR,                        -- outcome
    dicatat_oleh  VARCHAR NOT NULL,
    wilayah       VARCHAR,                        -- region of the one who recorded it
    dicatat_pada  TIMESTAMP NOT NULL              -- UTC
);

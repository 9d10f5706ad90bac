-- Per-region election context and official vulnerability indices, each with its data date.
CREATE TABLE konteks_pemilihan (
    pemilihan       VARCHAR NOT NULL,
    kode            VARCHAR NOT NULL,        -- kabupaten/kota
    jumlah_paslon   INTEGER,                 -- 1 = calon tunggal (kotak kosong), 2 = dua pasangan
    petahana        BOOLEAN,
    sengketa_lalu   INTEGER,                 -- disputes at the previous election
    ikp             DOUBLE,                  -- Bawaslu IKP score 0–100
    ikp_tanggal     DATE,
    ipkp            VARCHAR,                 -- Polri IPKP class
    ipkp_tanggal    DATE,
    sumber          VARCHAR,
    diimpor_oleh    VARCHAR NOT NULL,
    diimpor_pada    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (pemilihan, kode)
);

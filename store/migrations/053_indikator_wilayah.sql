-- Area indicators imported as data (population, poverty, IKN, …), each value with its data date.
CREATE TABLE indikator_wilayah (
    nama         VARCHAR NOT NULL,      -- e.g. penduduk, kemiskinan_persen, ikn
    kode         VARCHAR NOT NULL,      -- kabupaten/kota
    nilai        DOUBLE NOT NULL,
    tanggal_data DATE NOT NULL,
    sumber       VARCHAR,
    diimpor_oleh VARCHAR NOT NULL,
    diimpor_pada TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (nama, kode)
);

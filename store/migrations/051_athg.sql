-- TP3D framing of a report: Ancaman, Tantangan, Hambatan or Gangguan (NULL when not stated).
ALTER TABLE incidents ADD COLUMN athg VARCHAR;

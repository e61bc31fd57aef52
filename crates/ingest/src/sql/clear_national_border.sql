DELETE FROM national_border

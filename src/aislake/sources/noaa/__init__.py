"""NOAA MarineCadastre's daily files (US waters), csv2 and legacy layouts."""

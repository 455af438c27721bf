"""Transform: the dbt project (raw -> staging -> intermediate -> marts) and how it is run."""

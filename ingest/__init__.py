"""Getting incidents into SIGAP: file import (readers, validation, region resolution) and demo data."""

"""One construct per concern, composed in pipeline order by `ViewcountStack`."""

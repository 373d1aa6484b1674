"""The recommendation math: pure functions over numpy/scipy arrays. No HTTP, no ORM, no Django.

`content` builds the TF-IDF features and the top-K neighbour lists, `collaborative` the item-to-item
co-occurrence lists, `priors` the popularity/quality priors, `personalized` the hybrid ranking, `index`
the arrays a request needs, with their (de)serialisation, and `text` the one normalisation of words and
names. The services feed these functions the arrays they build from the database; the offline harness
feeds the same functions MovieLens arrays.
"""

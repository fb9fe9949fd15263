"""Zotero's CSV export."""

from __future__ import annotations

from recsearch.readers import read_file_records, sniff_format

# Zotero's header (the first columns and the ones read) and two items; our own words.
CSV = ('\ufeff"Key","Item Type","Publication Year","Author","Title","Publication Title","ISBN","ISSN","DOI","Url",'
       '"Abstract Note","Date","Date Added","Publisher","Language","Extra","Manual Tags","Automatic Tags","Editor"\n'
       '"ABCD1234","journalArticle","2021","Østergaard, Mette; Brun, Émile","Tidal mixing in fjords",'
       '"Estuarine, Coastal and Shelf Science","","0272-7714","10.1016/J.ECSS.2021.107350",'
       '"https://www.sciencedirect.com/x","Our own words.","2021-06-03","2022-01-05 12:00:01","Elsevier","en",'
       '"PMID: 34000000","fjords; mixing","","" \n'
       '"EFGH5678","book","2015","","Methods for field epidemiology","","978-0-19-968962-7","","","",'
       '"","2015","2022-01-05","Oxford University Press","English","","","","Haddad, Layla"\n'
       '"IJKL9012","journalArticle","2020","Doe, J","","","","","","","","","","","","","","",""\n')


def test_zotero_csv_export():
    found = read_file_records(CSV.encode("utf-8"), "My Library.csv")
    assert found.format == "zotero-csv" and sniff_format(CSV.encode()) == "zotero-csv"
    article, book = found.records
    assert article.id == "zotero-abcd1234" and article.author_names == ["Mette Østergaard", "Émile Brun"]
    assert article.doi == "10.1016/j.ecss.2021.107350" and article.date == "2021-06-03"
    assert article.identifiers == {"zotero": "ABCD1234", "pmid": "34000000"} and article.language == "English"
    assert article.subjects == ["fjords", "mixing"] and article.journal == "Estuarine, Coastal and Shelf Science"
    assert book.author_names == ["Layla Haddad"] and book.identifiers["isbn"] == "978-0-19-968962-7"
    assert found.problems == [(3, "item IJKL9012: no title")]

create database {database} owner {owner} encoding 'UTF8' template template0

/*
 * scenario.c - the worlds tests load into the fake Dashboard (see scenario.h).
 */
#include "harness/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char harness_scenario_listener[] =
    "{\"api_key\": \"test-api-key\", \"sample_spacing_s\": 1, \"data_lag_s\": 0,"
    " \"organizations\": ["
    "  {\"id\": \"2930418\", \"name\": \"My organization\","
    "   \"peers\": [{\"name\": \"London\", \"publicIp\": \"203.0.113.10\","
    "               \"privateSubnets\": [\"10.10.0.0/16\"],"
    "               \"networkTags\": [\"london_primary_up\"]}],"
    "   \"networks\": [{\"id\": \"N_24329156\", \"name\": \"Main Office\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\"],"
    "     \"serial\": \"Q234-ABCD-5678\", \"uplinks\": {\"wan1\": \"active\"}}]},"
    "  {\"id\": \"658651445502938393\", \"name\": \"Org\","
    "   \"peers\": [{\"name\": \"London\", \"publicIp\": \"203.0.113.10\","
    "               \"privateSubnets\": [\"10.10.0.0/16\"],"
    "               \"networkTags\": [\"london_primary_up\"]}],"
    "   \"networks\": [{\"id\": \"L_658651445502952912\", \"name\": \"Branch\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\"],"
    "     \"serial\": \"Q2JY-9KYS-3UGD\", \"uplinks\": {\"wan1\": \"active\"}}]}"
    " ],"
    " \"loss\": []}";

const char harness_scenario_sample[] =
    "{\"sample_spacing_s\": 1, \"data_lag_s\": 0,"
    " \"organizations\": ["
    "  {\"id\": \"1001\", \"name\": \"Acme\","
    "   \"peers\": ["
    "    {\"name\": \"London DC\", \"publicIp\": \"203.0.113.10\","
    "     \"privateSubnets\": [\"10.10.0.0/16\"], \"networkTags\": [\"london_primary_up\"]},"
    "    {\"name\": \"Paris DC\", \"publicIp\": \"198.51.100.20\","
    "     \"privateSubnets\": [\"10.20.0.0/16\"], \"networkTags\": [\"paris_backup_up\"]}],"
    "   \"networks\": ["
    "    {\"id\": \"L_100\", \"name\": \"Branch 1\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\", \"retail\"],"
    "     \"serial\": \"Q2XX-AAAA-0001\","
    "     \"uplinks\": {\"wan1\": \"active\", \"wan2\": \"ready\", \"wan3\": \"not connected\"}},"
    "    {\"id\": \"L_200\", \"name\": \"Branch 2\","
    "     \"tags\": [\"paris_backup_down\", \"london_primary_up\"],"
    "     \"destinations\": [\"203.0.113.10\"]},"
    "    {\"id\": \"L_300\", \"name\": \"Branch 3\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\", \"tagfailover_hold\"]}]},"
    "  {\"id\": \"1002\", \"name\": \"Other\","
    "   \"networks\": [{\"id\": \"N_1\", \"productTypes\": [\"wireless\"]}]}]}";

char *harness_scenario(const char *networks, const char *loss)
{
    size_t len = strlen(networks) + strlen(loss) + 4096;
    char *s = malloc(len);

    if (s == NULL)
        return NULL;
    snprintf(s, len,
             "{\"api_key\":\"test-api-key\",\"sample_spacing_s\":1,\"data_lag_s\":0,"
             "\"organizations\":[{\"id\":\"" HARNESS_ORG
             "\",\"name\":\"Acme\",\"peers\":" HARNESS_PEERS ",\"networks\":[%s]}],\"loss\":[%s]}",
             networks, loss);
    return s;
}

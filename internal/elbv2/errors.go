package elbv2

import (
	"fmt"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// Elastic Load Balancing v2's error table (the model's error shapes: code
// and HTTP status). Every code is a client fault with status 400 unless
// noted.
var (
	ErrLoadBalancerNotFound          = apierr.Code{Name: "LoadBalancerNotFound", Status: 400}
	ErrTargetGroupNotFound           = apierr.Code{Name: "TargetGroupNotFound", Status: 400}
	ErrListenerNotFound              = apierr.Code{Name: "ListenerNotFound", Status: 400}
	ErrRuleNotFound                  = apierr.Code{Name: "RuleNotFound", Status: 400}
	ErrDuplicateLoadBalancerName     = apierr.Code{Name: "DuplicateLoadBalancerName", Status: 400}
	ErrDuplicateTargetGroupName      = apierr.Code{Name: "DuplicateTargetGroupName", Status: 400}
	ErrDuplicateListener             = apierr.Code{Name: "DuplicateListener", Status: 400}
	ErrDuplicateTagKeys              = apierr.Code{Name: "DuplicateTagKeys", Status: 400}
	ErrPriorityInUse                 = apierr.Code{Name: "PriorityInUse", Status: 400}
	ErrInvalidConfigurationRequest   = apierr.Code{Name: "InvalidConfigurationRequest", Status: 400}
	ErrInvalidLoadBalancerAction     = apierr.Code{Name: "InvalidLoadBalancerAction", Status: 400}
	ErrInvalidTarget                 = apierr.Code{Name: "InvalidTarget", Status: 400}
	ErrInvalidScheme                 = apierr.Code{Name: "InvalidScheme", Status: 400}
	ErrIncompatibleProtocols         = apierr.Code{Name: "IncompatibleProtocols", Status: 400}
	ErrUnsupportedProtocol           = apierr.Code{Name: "UnsupportedProtocol", Status: 400}
	ErrTargetGroupAssociationLimit   = apierr.Code{Name: "TargetGroupAssociationLimit", Status: 400}
	ErrResourceInUse                 = apierr.Code{Name: "ResourceInUse", Status: 400}
	ErrOperationNotPermitted         = apierr.Code{Name: "OperationNotPermitted", Status: 400}
	ErrTooManyTags                   = apierr.Code{Name: "TooManyTags", Status: 400}
	ErrTooManyTargets                = apierr.Code{Name: "TooManyTargets", Status: 400}
	ErrTooManyRules                  = apierr.Code{Name: "TooManyRules", Status: 400}
	ErrTooManyListeners              = apierr.Code{Name: "TooManyListeners", Status: 400}
	ErrTooManyActions                = apierr.Code{Name: "TooManyActions", Status: 400}
	ErrTooManyTargetGroups           = apierr.Code{Name: "TooManyTargetGroups", Status: 400}
	ErrTooManyLoadBalancers          = apierr.Code{Name: "TooManyLoadBalancers", Status: 400}
	ErrTooManyUniqueTargetGroups     = apierr.Code{Name: "TooManyUniqueTargetGroupsPerLoadBalancer", Status: 400}
	ErrTooManyRegistrationsForTarget = apierr.Code{Name: "TooManyRegistrationsForTargetId", Status: 400}
	ErrCertificateNotFound           = apierr.Code{Name: "CertificateNotFound", Status: 400}
	ErrHealthUnavailable             = apierr.Code{Name: "HealthUnavailable", Status: 500, Receiver: true}
	ErrValidation                    = apierr.ValidationError
)

// AWS's quotas for Application Load Balancers (the defaults an account
// gets), enforced as AWS does.
const (
	maxLoadBalancers          = 50
	maxTargetGroups           = 3000
	maxListenersPerLB         = 50
	maxRulesPerListener       = 100 // not counting the default rule
	maxTargetsPerTG           = 1000
	maxTagsPerResource        = 50
	maxForwardTargetGroups    = 5
	maxConditionValuesPerRule = 5
	maxUniqueTGsPerLB         = 100
	maxPageSize               = 400
)

func lbNotFound(names ...string) error {
	if len(names) == 0 {
		return ErrLoadBalancerNotFound.New("One or more load balancers not found")
	}
	return ErrLoadBalancerNotFound.New("Load balancers '[%s]' not found", strings.Join(names, ", "))
}

func tgNotFound(names ...string) error {
	if len(names) == 0 {
		return ErrTargetGroupNotFound.New("One or more target groups not found")
	}
	return ErrTargetGroupNotFound.New("Target groups '[%s]' not found", strings.Join(names, ", "))
}

func listenerNotFound() error {
	return ErrListenerNotFound.New("One or more listeners not found")
}

func ruleNotFound() error {
	return ErrRuleNotFound.New("One or more rules not found")
}

func validation(format string, args ...any) error {
	return ErrValidation.New(format, args...)
}

func invalidConfig(format string, args ...any) error {
	return ErrInvalidConfigurationRequest.New(format, args...)
}

// enumError is AWS's wording for a value outside a member's enum.
func enumError(value, path string, allowed ...string) error {
	return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
		value, path, strings.Join(allowed, ", "))
}

// rangeError is AWS's wording for a number outside a member's range.
func rangeError(value int, path string, lo, hi int) error {
	if value < lo {
		return validation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", value, path, lo)
	}
	return validation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", value, path, hi)
}

func lengthError(value, path string, lo, hi int) error {
	return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length %s", value, path, lengthBound(len(value), lo, hi))
}

func lengthBound(n, lo, hi int) string {
	if n < lo {
		return fmt.Sprintf("greater than or equal to %d", lo)
	}
	return fmt.Sprintf("less than or equal to %d", hi)
}
